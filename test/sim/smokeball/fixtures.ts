/**
 * Small hand-built firms for the Smokeball simulator tests (the seeded generator is used where the test
 * needs realistic volume). Deterministic: the same arguments give the same ids.
 */
import { createRng, seededUuid } from '../../../src/sim/common/random.js';
import { msToTicks } from '../../../src/sim/common/ticks.js';
import type {
  ContactRecord,
  MatterRecord,
  MatterStageRecord,
  MatterStatus,
  MatterTypeRecord,
  SeededFirm,
  StaffRecord,
  StageSetRecord,
} from '../../../src/sim/seed/firm-model.js';

export const STATUSES: MatterStatus[] = ['Open', 'Pending', 'Closed', 'Open', 'Cancelled', 'Deleted', 'Open'];

export interface FixtureOptions {
  matters?: number;
  seed?: number;
  /** Every n-th matter is a lead (0 = none). */
  leadEvery?: number;
}

/** A firm with `matters` matters, two contacts per matter (client + other side), 3 staff, 2 types, 1 stage set. */
export function smallFirm(opts: FixtureOptions = {}): SeededFirm {
  const n = opts.matters ?? 25;
  const rng = createRng(opts.seed ?? 42);
  const id = (): string => seededUuid(rng);
  const base = Date.parse('2024-01-01T00:00:00Z');

  const staff: StaffRecord[] = ['Alice Attorney', 'Paul Paralegal', 'Fred Former'].map((name, i) => {
    const [firstName = '', lastName = ''] = name.split(' ');
    return {
      id: id(),
      versionId: id(),
      firstName,
      lastName,
      initials: `${firstName[0]}${lastName[0]}`,
      email: `${firstName.toLowerCase()}@firm.example`,
      role: i === 0 ? 'Attorney' : 'Paralegal',
      former: i === 2,
      enabled: i !== 2,
      userId: id(),
    };
  });
  const stageSetId = id();
  const stageSet: StageSetRecord = {
    id: stageSetId,
    versionId: id(),
    name: 'Litigation stages',
    isDeleted: false,
    lastUpdated: msToTicks(base),
    stages: ['Intake', 'Discovery', 'Trial', 'Settled'].map((name) => ({
      id: id(),
      versionId: id(),
      name,
      isDeleted: false,
      lastUpdated: msToTicks(base),
    })),
  };
  const matterTypes: MatterTypeRecord[] = [
    { id: `${id()}_IL`, versionId: id(), name: 'Personal Injury', category: 'Litigation', type: 0, location: 'IL', isDeleted: false },
    { id: `${id()}_IL`, versionId: id(), name: 'Estate Planning', category: 'Wills', type: 0, location: 'IL', isDeleted: false },
  ];
  const contacts: ContactRecord[] = [];
  const matters: MatterRecord[] = [];
  const matterStages: MatterStageRecord[] = [];
  for (let i = 0; i < n; i++) {
    const updated = msToTicks(base + i * 60_000);
    const client: ContactRecord = {
      id: id(),
      externalSystemId: null,
      versionId: id(),
      person: {
        firstName: `Client${i}`,
        lastName: `Family${i}`,
        email: `client${i}@mail.example`,
        cell: { areaCode: '312', number: `555${String(i).padStart(4, '0')}` },
      },
      isDeleted: false,
      lastUpdated: updated,
    };
    const other: ContactRecord = {
      id: id(),
      externalSystemId: null,
      versionId: id(),
      company: { name: `Opposing Corp ${i}` },
      isDeleted: i % 11 === 10,
      lastUpdated: updated,
    };
    contacts.push(client, other);
    const type = matterTypes[i % 2] as MatterTypeRecord;
    const status = STATUSES[i % STATUSES.length] as MatterStatus;
    const matter: MatterRecord = {
      id: id(),
      externalSystemId: null,
      number: `M-${String(i + 1).padStart(5, '0')}`,
      title: `Family${i} v Opposing Corp ${i}`,
      description: `Matter ${i}`,
      matterTypeId: type.id,
      clientIds: [client.id],
      otherSideIds: [other.id],
      status,
      personResponsibleStaffId: (staff[0] as StaffRecord).id,
      personAssistingStaffId: i % 3 === 0 ? null : (staff[1] as StaffRecord).id,
      openedDate: new Date(base + i * 60_000).toISOString(),
      closedDate: status === 'Closed' ? new Date(base + i * 60_000 + 1000).toISOString() : null,
      isLead: opts.leadEvery ? i % opts.leadEvery === opts.leadEvery - 1 : false,
      lastUpdated: updated,
    };
    matters.push(matter);
    if (i % 2 === 0) {
      matterStages.push({
        id: id(),
        matterId: matter.id,
        stageSetId,
        stageId: (stageSet.stages[i % 4] as { id: string }).id,
        versionId: id(),
        lastUpdated: updated,
      });
    }
  }
  return {
    seed: opts.seed ?? 42,
    accountId: id(),
    name: 'Fixture & Partners LLP',
    staff,
    matterTypes,
    stageSets: [stageSet],
    contacts,
    matters,
    matterStages,
    stageSetByMatterType: { [(matterTypes[0] as MatterTypeRecord).id]: stageSetId },
    messages: [],
    documents: [],
  };
}
