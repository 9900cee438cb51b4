/**
 * The write-back on a fake clock: its day-long "waiting too long" alert and its retry delay, at their real
 * defaults, in milliseconds of test time. No servers: the Case Status feed answers an empty page (both feeds
 * were read before), and the Smokeball client records every request and refuses it.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openStateStore, type StateStore } from '../../../src/store/index.js';
import type { CaseStatusClient } from '../../../src/sync/casestatus/client.js';
import type { SmokeballClient } from '../../../src/sync/smokeball/client.js';
import { DEFAULT_WRITEBACK_SETTINGS, WritebackJob } from '../../../src/sync/writeback/writeback-job.js';
import { KIND_MEMO_ENTRY, messageKey } from '../../../src/sync/writeback/context.js';
import type { CsMessage } from '../../../src/sync/casestatus/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { tempDir } from '../../helpers/tmp.js';

const HOUR = 60 * 60_000;
let dir: ReturnType<typeof tempDir>;
let clock: FakeClock;
let store: StateStore;
let smokeballCalls: string[];

const emptyFeed = async () => ({ data: [], nextCursor: 'end', hasMore: false });
const caseStatus = { messages: emptyFeed, documents: emptyFeed } as unknown as CaseStatusClient;
/** Every request is refused before it is sent (as an unreachable Smokeball would be), and counted. */
const refuse = (method: string) => (path: unknown) => {
  smokeballCalls.push(`${method} ${String(path)}`);
  return Promise.reject(new Error('connect ECONNREFUSED'));
};
const smokeball = { newRequestId: () => randomUUID(), get: refuse('GET'), request: refuse('request') } as unknown as SmokeballClient;

function message(id: string, caseExternalId: string): CsMessage {
  return {
    id,
    caseId: `cs-${caseExternalId}`,
    caseExternalId,
    threadId: `t-${caseExternalId}`,
    sender: { name: 'Ann', role: 'client' },
    body: 'Hello',
    createdAt: clock.now().toISOString(),
  };
}

function enqueue(m: CsMessage): number {
  return store.outbox.enqueue({ idempotencyKey: messageKey(m.id), kind: KIND_MEMO_ENTRY, subjectId: m.id, payload: m }).id;
}

function job(): WritebackJob {
  return new WritebackJob({ smokeball, caseStatus, store, clock, tempDir: join(dir.dir, 'staging') });
}

beforeEach(() => {
  dir = tempDir('css-wb-clock-');
  clock = new FakeClock(new Date('2026-12-01T09:00:00Z'));
  store = openStateStore(join(dir.dir, 'sync.sqlite'), () => clock.now());
  smokeballCalls = [];
});

afterEach(() => {
  store.close();
  dir.cleanup();
});

it('lists messages of an unlinked case once they have waited a day, not a minute before', async () => {
  expect(DEFAULT_WRITEBACK_SETTINGS.waitingAlertMs).toBe(24 * HOUR);
  enqueue(message('m1', 'case-unlinked'));
  enqueue(message('m2', 'case-unlinked'));
  const writeback = job();

  await clock.advance(24 * HOUR - 60_000);
  expect(await writeback.run()).toMatchObject({ waiting: 2, failed: 0 });
  expect(store.attention.open('writeback_waiting')).toHaveLength(0);

  await clock.advance(60_000);
  expect(await writeback.run()).toMatchObject({ waiting: 2, failed: 0 });
  const alerts = store.attention.open('writeback_waiting');
  expect(alerts.map((a) => [a.subjectId, a.details.waiting])).toEqual([['case-unlinked', 2]]);
  expect(smokeballCalls).toEqual([]); // waiting items send nothing
});

it('tries a failed message again after the retry delay, not before', async () => {
  store.links.saveMatter({
    matterId: 'case-linked',
    caseId: 'cs-case-linked',
    caseUrl: 'https://app.casestatus.example/cases/1',
    matterNumber: '1',
    matterTitle: 'Linked',
    matterVersion: '1',
    status: 'Open',
    stageId: null,
    stageName: null,
    stageUpdated: null,
    clientIds: [],
    fingerprint: 'f',
    caseInput: {},
  });
  const id = enqueue(message('m3', 'case-linked'));
  const writeback = job();

  const first = await writeback.run();
  expect(first.failed).toBe(1);
  const tries = smokeballCalls.length;
  expect(tries).toBeGreaterThan(0);
  const failed = store.outbox.byId(id)!;
  expect(failed.state).toBe('failed');
  expect(Date.parse(failed.notBefore!) - clock.now().getTime()).toBe(DEFAULT_WRITEBACK_SETTINGS.retryDelayMs);

  await clock.advance(DEFAULT_WRITEBACK_SETTINGS.retryDelayMs - 1);
  await writeback.run();
  expect(smokeballCalls).toHaveLength(tries); // not due yet: nothing sent

  await clock.advance(1);
  await writeback.run();
  expect(smokeballCalls.length).toBeGreaterThan(tries);
  expect(store.outbox.byId(id)!.attempts).toBeGreaterThan(failed.attempts);
});
