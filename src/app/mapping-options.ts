import type { Settings } from '../contract/settings.js';
import type { MappingOptions } from '../contract/view.js';
import { listAll, type SbStageSet, type SyncStack } from '../sync/index.js';

/**
 * What the stage-mapping screen needs: every Case Status practice area with its stages, and every live Smokeball
 * stage with its current mapping. Stages the last sync could not map come first, with the practice area they
 * were seen in (from their attention item), so staff fix what blocks them before anything else.
 */
export async function loadMappingOptions(stack: SyncStack, settings: Settings): Promise<MappingOptions> {
  const [areas, stageSets] = await Promise.all([stack.caseStatus.practiceAreas(), listAll<SbStageSet>(stack.smokeball, '/stagesets')]);
  const unmapped = new Map<string, string | null>();
  for (const item of stack.store.attention.open('unmapped_stage', 1000)) {
    const area = item.details.practiceArea;
    unmapped.set(item.subjectId, typeof area === 'string' ? area : null);
  }
  const seen = new Set<string>();
  const stages: MappingOptions['smokeballStages'] = [];
  for (const set of stageSets) {
    if (set.isDeleted) continue;
    for (const stage of set.stages) {
      if (stage.isDeleted || seen.has(stage.id)) continue;
      seen.add(stage.id);
      stages.push({
        id: stage.id,
        name: stage.name,
        practiceArea: unmapped.get(stage.id) ?? null,
        mappedTo: Object.hasOwn(settings.stageMapping, stage.id) ? settings.stageMapping[stage.id] : undefined,
        unmapped: unmapped.has(stage.id) && !Object.hasOwn(settings.stageMapping, stage.id),
      });
    }
  }
  stages.sort((a, b) => Number(b.unmapped) - Number(a.unmapped) || a.name.localeCompare(b.name));
  return {
    practiceAreas: areas.map((a) => ({ name: a.name, stages: [...a.stages].sort((x, y) => x.position - y.position).map((s) => s.name) })),
    smokeballStages: stages,
  };
}
