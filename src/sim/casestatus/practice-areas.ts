import type { SeededFirm } from '../seed/firm-model.js';
import { ApiError } from './errors.js';
import type { PracticeAreaView } from './wire.js';

/**
 * The firm's practice areas and the stages of each, as configured in Case Status. Names match exactly
 * and case-sensitively, as in the real product, where a case whose practice area or stage has no mapping
 * fails to import. In open mode ('any') unknown names are accepted and added.
 */
export interface PracticeAreaInput {
  name: string;
  stages: string[];
}

/** Default: one practice area per Smokeball matter type name, with the stages of its stage set. */
export function practiceAreasFromFirm(firm: SeededFirm): PracticeAreaInput[] {
  const stageSets = new Map(firm.stageSets.filter((s) => !s.isDeleted).map((s) => [s.id, s]));
  const byName = new Map<string, string[]>();
  for (const type of firm.matterTypes) {
    if (type.isDeleted) continue;
    const stages = byName.get(type.name) ?? [];
    byName.set(type.name, stages);
    const setId = firm.stageSetByMatterType[type.id];
    const set = setId === undefined ? undefined : stageSets.get(setId);
    // Matter types sharing a name across locations may use different stage sets: the area gets the union.
    for (const stage of set?.stages ?? []) if (!stage.isDeleted && !stages.includes(stage.name)) stages.push(stage.name);
  }
  return [...byName].map(([name, stages]) => ({ name, stages }));
}

interface Area {
  id: string;
  name: string;
  stages: { id: string; name: string }[];
}

export class PracticeAreaCatalogue {
  private readonly areas = new Map<string, Area>();

  constructor(
    areas: PracticeAreaInput[],
    private readonly open: boolean,
    private readonly newId: () => string,
  ) {
    for (const a of areas) {
      this.ensure(a.name, null);
      for (const s of a.stages) this.ensure(a.name, s);
    }
  }

  /** Throws the 422 the real product would give, or (open mode) adds what is missing. */
  check(practiceArea: string, stage: string | null): void {
    if (this.open) {
      this.ensure(practiceArea, stage);
      return;
    }
    const area = this.areas.get(practiceArea);
    if (!area) {
      throw new ApiError(422, 'unknown_practice_area', `Practice area "${practiceArea}" does not exist in this firm`, {
        practiceArea,
      });
    }
    if (stage !== null && !area.stages.some((s) => s.name === stage)) {
      throw new ApiError(422, 'unknown_stage', `Stage "${stage}" does not exist in practice area "${practiceArea}"`, {
        practiceArea,
        stage,
      });
    }
  }

  list(): PracticeAreaView[] {
    return [...this.areas.values()].map((a) => ({
      id: a.id,
      name: a.name,
      stages: a.stages.map((s, i) => ({ id: s.id, name: s.name, position: i + 1 })),
    }));
  }

  private ensure(name: string, stage: string | null): void {
    let area = this.areas.get(name);
    if (!area) {
      area = { id: this.newId(), name, stages: [] };
      this.areas.set(name, area);
    }
    if (stage !== null && !area.stages.some((s) => s.name === stage)) area.stages.push({ id: this.newId(), name: stage });
  }
}
