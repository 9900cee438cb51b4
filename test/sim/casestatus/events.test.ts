import { afterEach, describe, expect, it } from 'vitest';
import type { CaseStatusSim } from '../../../src/sim/casestatus/server.js';
import { signEvent, verifyEventSignature } from '../../../src/shared/casestatus-signature.js';
import type { CaseStatusEvent, CaseUpdatedData, DocumentView, MessageView } from '../../../src/sim/casestatus/wire.js';
import { CLIENT_1, MATTER_A, caseBody, clientBody } from './fixtures.js';
import { api, startReceiver, startSim } from './helpers.js';

const SECRET = 'whsec-test';
let sim: CaseStatusSim | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = receiver = undefined;
});

const fastRetries = { initialRetryDelayMs: 10, maxRetryDelayMs: 50, maxAttempts: 4 };

describe('event signature', () => {
  it('signs `${timestamp}.${rawBody}` with HMAC-SHA256 as v1=<hex>', () => {
    // Reference computed independently: printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
    const expected = 'v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03';
    expect(signEvent('key', 1700000000, '{"a":1}')).toBe(expected);
    expect(signEvent('key', '1700000000', Buffer.from('{"a":1}'))).toBe(expected);
  });

  it('verifies, and rejects tampering, stale timestamps and missing headers', () => {
    const body = '{"id":"e1"}';
    const now = 1_700_000_000;
    const signature = signEvent(SECRET, now, body);
    const base = { secret: SECRET, timestampHeader: String(now), signatureHeader: signature, rawBody: body, nowSeconds: now + 10 };
    expect(verifyEventSignature(base)).toEqual({ ok: true, timestamp: now });
    expect(verifyEventSignature({ ...base, rawBody: '{"id":"e2"}' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyEventSignature({ ...base, secret: 'other' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyEventSignature({ ...base, secret: ['old', SECRET] }).ok).toBe(true);
    expect(verifyEventSignature({ ...base, signatureHeader: `v1=deadbeef, ${signature}` }).ok).toBe(true);
    expect(verifyEventSignature({ ...base, nowSeconds: now + 301 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyEventSignature({ ...base, timestampHeader: undefined })).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifyEventSignature({ ...base, timestampHeader: 'soon' })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });
});

describe('event delivery', () => {
  it('delivers signed case, message and document events', async () => {
    receiver = await startReceiver();
    sim = await startSim({ eventWebhookUrl: receiver.url, eventSigningSecret: SECRET });
    const client = api(sim);
    await client.put(`/clients/${CLIENT_1}`, clientBody());
    await client.put(`/cases/${MATTER_A}`, caseBody());
    await client.put(`/cases/${MATTER_A}`, caseBody()); // unchanged: no event
    await client.put(`/cases/${MATTER_A}`, caseBody({ stage: 'Demand' }));
    const message = sim.control.addMessage({ matterId: MATTER_A, senderName: 'Pat Client', senderRole: 'client', body: 'Any news?' });
    const doc = sim.control.addDocument({ matterId: MATTER_A, fileName: 'x.pdf', content: 'pdf', sharedByName: 'Pat Client', sharedByRole: 'client' });
    sim.control.updateCase(MATTER_A, { status: 'closed' });
    await sim.control.whenIdle();

    expect(receiver.deliveries).toHaveLength(5);
    const events = receiver.deliveries.map((d) => {
      const verdict = verifyEventSignature({
        secret: SECRET,
        timestampHeader: d.headers['x-casestatus-timestamp'] as string,
        signatureHeader: d.headers['x-casestatus-signature'] as string,
        rawBody: d.rawBody,
      });
      expect(verdict.ok).toBe(true);
      const event = JSON.parse(d.rawBody) as CaseStatusEvent;
      expect(d.headers['x-casestatus-event-id']).toBe(event.id);
      expect(event.firmId).toBe('acct-fixture-0001');
      return event;
    });
    const byType = (t: string) => events.filter((e) => e.type === t);
    const caseEvents = byType('case.updated').map((e) => e.data as CaseUpdatedData);
    expect(caseEvents.map((d) => [d.created, d.stageChange, d.source])).toEqual(
      expect.arrayContaining([
        [true, { from: null, to: 'Intake' }, 'api'],
        [false, { from: 'Intake', to: 'Demand' }, 'api'],
        [false, null, 'portal'],
      ]),
    );
    expect((byType('message.created')[0]?.data as MessageView).id).toBe(message.id);
    expect(byType('document.created')[0]?.data as DocumentView).toMatchObject({ id: doc.id, sizeBytes: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(sim.control.eventStats()).toMatchObject({ emitted: 5, delivered: 5, failedAttempts: 0 });
  });

  it('retries a failing endpoint until it answers 2xx, re-signing each attempt', async () => {
    receiver = await startReceiver((_d, i) => (i < 2 ? 503 : 204));
    sim = await startSim({ eventWebhookUrl: receiver.url, eventSigningSecret: SECRET, eventDelivery: fastRetries });
    await api(sim).put(`/clients/${CLIENT_1}`, clientBody());
    await api(sim).put(`/cases/${MATTER_A}`, caseBody());
    await sim.control.whenIdle();
    expect(receiver.deliveries.map((d) => d.headers['x-casestatus-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(receiver.deliveries.map((d) => d.rawBody)).size).toBe(1);
    expect(sim.control.events()[0]).toMatchObject({ status: 'delivered', attempts: 3, deliveries: 1 });
  });

  it('gives up after maxAttempts and records the failure', async () => {
    receiver = await startReceiver(() => 500);
    sim = await startSim({ eventWebhookUrl: receiver.url, eventDelivery: fastRetries });
    await api(sim).put(`/clients/${CLIENT_1}`, clientBody());
    await api(sim).put(`/cases/${MATTER_A}`, caseBody());
    await sim.control.whenIdle();
    expect(receiver.deliveries).toHaveLength(4);
    expect(sim.control.events()[0]).toMatchObject({ status: 'failed', attempts: 4, lastError: 'HTTP 500' });
  });

  it('records events without delivering them when no webhook is configured, then delivers after setEventWebhook', async () => {
    receiver = await startReceiver();
    sim = await startSim();
    await api(sim).put(`/clients/${CLIENT_1}`, clientBody());
    await api(sim).put(`/cases/${MATTER_A}`, caseBody());
    await sim.control.whenIdle();
    expect(sim.control.events()[0]?.status).toBe('no_webhook');
    sim.control.setEventWebhook(receiver.url, SECRET);
    sim.control.addMessage({ matterId: MATTER_A, senderName: 'P', senderRole: 'client', body: 'hi' });
    await sim.control.whenIdle();
    expect(receiver.deliveries).toHaveLength(1);
    expect(JSON.parse(receiver.deliveries[0]?.rawBody ?? '{}').type).toBe('message.created');
  });

  it('drops and duplicates events at roughly the configured rates', async () => {
    receiver = await startReceiver();
    sim = await startSim({
      eventWebhookUrl: receiver.url,
      eventFaults: { dropRate: 0.2, duplicateRate: 0.3 },
      eventDelivery: { concurrency: 16 },
    });
    await api(sim).put(`/clients/${CLIENT_1}`, clientBody());
    await api(sim).put(`/cases/${MATTER_A}`, caseBody());
    const n = 600;
    for (let i = 0; i < n; i++) sim.control.addMessage({ matterId: MATTER_A, senderName: 'P', senderRole: 'client', body: `m${i}` });
    await sim.control.whenIdle();

    const stats = sim.control.eventStats();
    const emitted = n + 1;
    expect(stats.emitted).toBe(emitted);
    expect(stats.dropped / emitted).toBeGreaterThan(0.14);
    expect(stats.dropped / emitted).toBeLessThan(0.26);
    const ids = receiver.deliveries.map((d) => JSON.parse(d.rawBody).id as string);
    const unique = new Set(ids);
    expect(unique.size).toBe(emitted - stats.dropped);
    expect(ids.length - unique.size).toBe(stats.duplicated);
    expect(stats.duplicated / unique.size).toBeGreaterThan(0.23);
    expect(stats.duplicated / unique.size).toBeLessThan(0.37);
  });
});
