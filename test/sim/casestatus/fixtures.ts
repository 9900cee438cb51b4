import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { createRng } from '../../../src/sim/common/random.js';
import type { CaseDocumentSeed, SeededFirm } from '../../../src/sim/seed/firm-model.js';

/**
 * A small hand-built firm for the Case Status simulator tests: two practice areas with stages, three
 * matters, seeded messages and documents on two of them. Ids are GUIDs, as in the generated firm.
 */
export const MATTER_A = '0a1b2c3d-0000-4000-8000-00000000000a';
export const MATTER_B = '0a1b2c3d-0000-4000-8000-00000000000b';
export const MATTER_C = '0a1b2c3d-0000-4000-8000-00000000000c';
export const CLIENT_1 = '11111111-0000-4000-8000-000000000001';
export const CLIENT_2 = '11111111-0000-4000-8000-000000000002';
export const ATTORNEY = '22222222-0000-4000-8000-000000000001';

export const PI_STAGES = ['Intake', 'Investigation', 'Treatment', 'Demand', 'Settlement'];
export const EP_STAGES = ['Consultation', 'Drafting', 'Signing'];

const stage = (id: string, name: string) => ({ id, versionId: `v-${id}`, name, isDeleted: false, lastUpdated: 0n });

export function fixtureFirm(): SeededFirm {
  return {
    seed: 7,
    accountId: 'acct-fixture-0001',
    name: 'Fixture & Partners LLP',
    staff: [],
    matterTypes: [
      { id: 'mt-pi_IL', versionId: 'v1', name: 'Personal Injury', category: 'Litigation', type: 0, location: 'IL', isDeleted: false },
      { id: 'mt-ep_IL', versionId: 'v1', name: 'Estate Planning', category: 'Wills', type: 0, location: 'IL', isDeleted: false },
      { id: 'mt-old_IL', versionId: 'v1', name: 'Retired Type', category: 'Old', type: 0, location: 'IL', isDeleted: true },
    ],
    stageSets: [
      { id: 'ss-pi', versionId: 'v1', name: 'PI', isDeleted: false, lastUpdated: 0n, stages: PI_STAGES.map((n, i) => stage(`pi-${i}`, n)) },
      {
        id: 'ss-ep',
        versionId: 'v1',
        name: 'EP',
        isDeleted: false,
        lastUpdated: 0n,
        stages: [...EP_STAGES.map((n, i) => stage(`ep-${i}`, n)), { ...stage('ep-x', 'Withdrawn'), isDeleted: true }],
      },
    ],
    stageSetByMatterType: { 'mt-pi_IL': 'ss-pi', 'mt-ep_IL': 'ss-ep' },
    contacts: [],
    matters: [],
    matterStages: [],
    messages: [
      // Deliberately out of createdAt order: the simulator reveals them oldest first.
      {
        id: 'aaaaaaaa-0000-4000-8000-000000000002',
        matterId: MATTER_A,
        threadId: 'thread-a',
        senderName: 'Pat Client',
        senderRole: 'client',
        body: 'Second <b>bold</b> message',
        createdAt: '2024-03-02T10:00:00.000Z',
      },
      {
        id: 'aaaaaaaa-0000-4000-8000-000000000001',
        matterId: MATTER_A,
        threadId: 'thread-a',
        senderName: 'Pat Client',
        senderRole: 'client',
        body: 'First message 👋',
        createdAt: '2024-03-01T10:00:00.000Z',
      },
      {
        id: 'aaaaaaaa-0000-4000-8000-000000000003',
        matterId: MATTER_A,
        threadId: 'thread-a',
        senderName: 'Sam Staff',
        senderRole: 'staff',
        body: 'Reply from the firm',
        createdAt: '2024-03-03T10:00:00.000Z',
      },
      {
        id: 'bbbbbbbb-0000-4000-8000-000000000001',
        matterId: MATTER_B,
        threadId: 'thread-b',
        senderName: 'Lee Client',
        senderRole: 'client',
        body: 'Hello from B',
        createdAt: '2024-02-01T10:00:00.000Z',
      },
    ],
    documents: [
      {
        id: 'dddddddd-0000-4000-8000-000000000001',
        matterId: MATTER_A,
        fileName: 'Medical records.pdf',
        sizeBytes: 10_000,
        contentSeed: 42,
        sharedByName: 'Pat Client',
        sharedByRole: 'client',
        createdAt: '2024-03-01T11:00:00.000Z',
      },
      {
        id: 'dddddddd-0000-4000-8000-000000000002',
        matterId: MATTER_A,
        fileName: 'CON: "scan" ✓.jpeg',
        sizeBytes: 3 * 1024 * 1024 + 17,
        contentSeed: 43,
        sharedByName: 'Sam Staff',
        sharedByRole: 'staff',
        createdAt: '2024-03-02T11:00:00.000Z',
      },
      {
        id: 'dddddddd-0000-4000-8000-000000000003',
        matterId: MATTER_B,
        fileName: 'empty.txt',
        sizeBytes: 0,
        contentSeed: 44,
        sharedByName: 'Lee Client',
        sharedByRole: 'client',
        createdAt: '2024-02-01T11:00:00.000Z',
      },
    ],
  };
}

/** Test stand-in for the generator's documentBytes: exactly doc.sizeBytes deterministic bytes, streamed. */
export function fixtureDocumentBytes(doc: Pick<CaseDocumentSeed, 'sizeBytes' | 'contentSeed'>): Readable {
  const rng = createRng(doc.contentSeed);
  let remaining = doc.sizeBytes;
  return new Readable({
    read() {
      if (remaining === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(64 * 1024, remaining);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) chunk[i] = Math.floor(rng() * 256);
      remaining -= n;
      this.push(chunk);
    },
  });
}

export async function fixtureSha256(doc: Pick<CaseDocumentSeed, 'sizeBytes' | 'contentSeed'>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fixtureDocumentBytes(doc)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function clientBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { firstName: 'Pat', lastName: 'Client', email: 'pat@example.com', cellPhone: '+13125550100', companyName: null, ...overrides };
}

export function caseBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    readableId: '2024-0001',
    title: 'Client v. Trucking Co',
    description: 'Rear-ended on I-90',
    practiceArea: 'Personal Injury',
    status: 'open',
    stage: 'Intake',
    primaryAttorney: { externalId: ATTORNEY, name: 'Alex Attorney', email: 'alex@firm.example' },
    clientExternalIds: [CLIENT_1],
    ...overrides,
  };
}
