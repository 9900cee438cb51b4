import { describe, expect, it } from 'vitest';
import { nothingSyncedReason } from '../../src/cli/sync-outcome.js';
import { emptyCounts } from '../../src/sync/status.js';

describe('sync exit status', () => {
  it('fails with one line when no matter synced and some were refused or unmapped', () => {
    const problems = [
      { kind: 'unmapped_practice_area' as const, matterTypeId: 't1', matterTypeName: 'Conveyancing' },
      { kind: 'unmapped_practice_area' as const, matterTypeId: 't2', matterTypeName: 'Wills' },
    ];
    const reason = nothingSyncedReason({ counts: emptyCounts(), problems });
    expect(reason).toBe(
      'No matter could be synced: 2 matter types without a Case Status practice area (Conveyancing, Wills). Map the practice areas (sync.practiceAreaMapping) or see the attention list.',
    );
    expect(reason).not.toContain('\n');
    expect(nothingSyncedReason({ counts: { ...emptyCounts(), failed: 3 }, problems: [] })).toMatch(/^No matter could be synced: 3 refused\./);
  });

  it('passes when something synced, or when there was nothing to do', () => {
    const problems = [{ kind: 'unmapped_practice_area' as const, matterTypeId: 't1', matterTypeName: 'Wills' }];
    expect(nothingSyncedReason({ counts: { ...emptyCounts(), casesUnchanged: 1, failed: 4 }, problems })).toBeNull();
    expect(nothingSyncedReason({ counts: emptyCounts(), problems: [{ kind: 'client_without_cell_phone', contactId: 'c', name: 'n' }] })).toBeNull();
    expect(nothingSyncedReason({ counts: emptyCounts(), problems: [] })).toBeNull();
  });
});
