import type { SeededFirm } from '../../src/sim/seed/firm-model.js';
import { STAGES_MISSING_IN_CASE_STATUS } from '../../src/testbed/world.js';

/** What Case Status should hold after a full sync of the seeded firm with the default settings. */
export function expectedCases(firm: SeededFirm): Map<string, { clients: string[]; stage: string | null; status: 'open' | 'pending' }> {
  const contacts = new Map(firm.contacts.map((c) => [c.id, c]));
  const stageNames = new Map(firm.stageSets.flatMap((s) => s.stages.map((st) => [st.id, st.name] as const)));
  const stageByMatter = new Map(firm.matterStages.map((s) => [s.matterId, s.stageId]));
  const out = new Map<string, { clients: string[]; stage: string | null; status: 'open' | 'pending' }>();
  for (const m of firm.matters) {
    if (m.isLead || (m.status !== 'Open' && m.status !== 'Pending')) continue;
    const stageId = stageByMatter.get(m.id);
    const name = stageId ? (stageNames.get(stageId) ?? null) : null;
    out.set(m.id, {
      clients: [...new Set(m.clientIds)].filter((id) => contacts.get(id) && !contacts.get(id)!.isDeleted),
      stage: name && !STAGES_MISSING_IN_CASE_STATUS.includes(name) ? name : null,
      status: m.status === 'Open' ? 'open' : 'pending',
    });
  }
  return out;
}
