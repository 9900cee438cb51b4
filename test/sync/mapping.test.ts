import { describe, expect, it } from 'vitest';
import { DEFAULT_SYNC_CONFIG } from '../../src/sync/config.js';
import { isEligible, mapContact, mapMatter, toE164, type ReferenceData } from '../../src/sync/mapping.js';
import { parseJsonKeepingBigInts } from '../../src/sync/http/json.js';
import type { SbMatter } from '../../src/sync/smokeball/types.js';

const ref: ReferenceData = {
  staff: new Map([['s1', { id: 's1', firstName: 'Ann', lastName: 'Lee', email: 'ann@firm.test' }]]),
  matterTypes: new Map([['t1_IL', { id: 't1_IL', name: 'Personal Injury' }]]),
  practiceAreas: new Map([
    [
      'Personal Injury',
      {
        id: 'pa',
        name: 'Personal Injury',
        stages: [
          { id: 'x', name: 'Intake', position: 1 },
          { id: 'y', name: 'Demand Sent', position: 2 },
        ],
      },
    ],
  ]),
};

const matter = (over: Partial<SbMatter> = {}): SbMatter => ({
  id: 'm1',
  versionId: '638000000000000001',
  number: 'PI-0001',
  title: 'Smith <b>v</b> Jones',
  matterType: { id: 't1_IL' },
  clients: [{ id: 'c1' }, { id: 'c2' }, { id: 'c1' }],
  status: 'Open',
  personResponsible: { id: 's1' },
  ...over,
});

const stage = (name: string, id = 'st1', lastUpdated = '638000000000000005') => ({ id: 'ms', matter: { id: 'm1' }, stage: { id, name }, lastUpdated });

describe('mapping', () => {
  it('maps a matter to a case with the same-name stage ignoring case', () => {
    const { mapped, problems } = mapMatter(matter(), stage('demand sent'), ref, DEFAULT_SYNC_CONFIG);
    expect(problems).toEqual([]);
    expect(mapped?.input).toMatchObject({
      externalId: 'm1',
      readableId: 'PI-0001',
      practiceArea: 'Personal Injury',
      status: 'open',
      stage: 'Demand Sent',
      primaryAttorney: { externalId: 's1', name: 'Ann Lee' },
      clientExternalIds: ['c1', 'c2'],
    });
  });

  it('records an unmapped stage instead of dropping the case, and honours an explicit mapping', () => {
    const { mapped, problems } = mapMatter(matter(), stage('Awaiting Lien Resolution', 'lien'), ref, DEFAULT_SYNC_CONFIG);
    expect(mapped?.input.stage).toBeNull();
    expect(problems).toEqual([{ kind: 'unmapped_stage', stageId: 'lien', stageName: 'Awaiting Lien Resolution', practiceArea: 'Personal Injury' }]);
    const withMapping = mapMatter(matter(), stage('Awaiting Lien Resolution', 'lien'), ref, { ...DEFAULT_SYNC_CONFIG, stageMapping: { lien: 'Demand Sent' } });
    expect(withMapping.mapped?.input.stage).toBe('Demand Sent');
    expect(withMapping.problems).toEqual([]);
  });

  it('reports a matter type without a practice area', () => {
    const { mapped, problems } = mapMatter(matter({ matterType: { id: 'zz', name: 'Maritime' } }), undefined, ref, DEFAULT_SYNC_CONFIG);
    expect(mapped).toBeUndefined();
    expect(problems[0]).toMatchObject({ kind: 'unmapped_practice_area', matterTypeName: 'Maritime' });
  });

  it('selects matters by status, type and lead flag', () => {
    expect(isEligible(matter(), DEFAULT_SYNC_CONFIG)).toBe(true);
    expect(isEligible(matter({ status: 'Closed' }), DEFAULT_SYNC_CONFIG)).toBe(false);
    expect(isEligible(matter({ isLead: true }), DEFAULT_SYNC_CONFIG)).toBe(false);
    expect(isEligible(matter(), { ...DEFAULT_SYNC_CONFIG, matterTypeIds: ['other'] })).toBe(false);
  });

  it('normalises phones to E.164 and flags clients without a cell phone', () => {
    expect(toE164({ areaCode: '312', number: '555-0100' }, '1')).toBe('+13125550100');
    expect(toE164({ number: '(312) 555-0100' }, '1')).toBe('+13125550100');
    expect(toE164({ number: '555-1234' }, '1')).toBeNull();
    expect(toE164({ number: '+61 2 9999 0000' }, '1')).toBe('+61299990000');
    expect(toE164({ areaCode: '02', number: '9999 0000' }, '61')).toBe('+61299990000');
    const { input, problems } = mapContact({ id: 'c9', person: { firstName: 'Zoë\u0007', lastName: "O'Brien", email: 'not-an-email' } }, DEFAULT_SYNC_CONFIG);
    expect(input).toMatchObject({ firstName: 'Zoë', lastName: "O'Brien", email: null, cellPhone: null });
    expect(problems).toEqual([{ kind: 'client_without_cell_phone', contactId: 'c9', name: "Zoë O'Brien" }]);
  });

  it('compares ticks exactly and parses them from JSON without rounding', () => {
    const parsed = parseJsonKeepingBigInts('{"lastUpdated":638123456789012345,"n":5,"s":"x: 1234567890123456789, y"}') as Record<string, unknown>;
    expect(parsed.lastUpdated).toBe('638123456789012345');
    expect(parsed.n).toBe(5);
    expect(parsed.s).toBe('x: 1234567890123456789, y');
    // Exact to the last tick: one tick later is a different, larger value.
    expect(BigInt(parsed.lastUpdated as string) + 1n).toBe(638123456789012346n);
  });
});
