import type { CaseStatusClient } from '../casestatus/client.js';
import type { ReferenceData } from '../mapping.js';
import type { SmokeballClient } from '../smokeball/client.js';
import { listMatterTypes, listStaff } from '../smokeball/reads.js';

/** Staff, matter types (Smokeball, 500 per page) and practice areas with their stages (Case Status). */
export async function loadReferenceData(sb: SmokeballClient, cs: CaseStatusClient): Promise<ReferenceData> {
  const [staff, matterTypes, practiceAreas] = await Promise.all([listStaff(sb), listMatterTypes(sb), cs.practiceAreas()]);
  return {
    staff: new Map(staff.map((s) => [s.id, s])),
    matterTypes: new Map(matterTypes.map((t) => [t.id, t])),
    practiceAreas: new Map(practiceAreas.map((a) => [a.name, a])),
  };
}
