import type { SqliteDatabase } from './database.js';

/** What a held change will do when it is sent: move the case's stage, or close the case. */
export type HeldKind = 'stage' | 'close';
/** `hold`: sent by itself at `releaseAt` (the stage-change hold); `confirm`: waits for a person (mass-change guard). */
export type HeldReason = 'hold' | 'confirm';

export interface HeldChange {
  matterId: string;
  kind: HeldKind;
  stageId: string | null;
  stageName: string | null;
  stageUpdated: string | null;
  fromStage: string | null;
  reason: HeldReason;
  cause: string;
  heldAt: number;
  releaseAt: number | null;
}

interface Row {
  matter_id: string;
  kind: HeldKind;
  stage_id: string | null;
  stage_name: string | null;
  stage_updated: string | null;
  from_stage: string | null;
  reason: HeldReason;
  cause: string;
  held_at: number;
  release_at: number | null;
}

const toChange = (r: Row): HeldChange => ({
  matterId: r.matter_id,
  kind: r.kind,
  stageId: r.stage_id,
  stageName: r.stage_name,
  stageUpdated: r.stage_updated,
  fromStage: r.from_stage,
  reason: r.reason,
  cause: r.cause,
  heldAt: r.held_at,
  releaseAt: r.release_at,
});

/**
 * Changes that would text a client and are held back: at most one per matter (a later change replaces the
 * earlier one, so several changes within the hold send only the last). Times are the engine's clock (ms), so
 * tests move them with a fake clock. Also the log of texts let through, which the mass-change guard counts.
 */
export class HeldChangeRepository {
  constructor(private readonly db: SqliteDatabase) {}

  get(matterId: string): HeldChange | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM held_changes WHERE matter_id = ?').get(matterId);
    return row && toChange(row);
  }

  put(change: HeldChange): void {
    this.db
      .prepare(
        `INSERT INTO held_changes(matter_id, kind, stage_id, stage_name, stage_updated, from_stage, reason, cause, held_at, release_at)
         VALUES (@matterId, @kind, @stageId, @stageName, @stageUpdated, @fromStage, @reason, @cause, @heldAt, @releaseAt)
         ON CONFLICT(matter_id) DO UPDATE SET kind = excluded.kind, stage_id = excluded.stage_id, stage_name = excluded.stage_name,
           stage_updated = excluded.stage_updated, from_stage = excluded.from_stage, reason = excluded.reason, cause = excluded.cause,
           held_at = excluded.held_at, release_at = excluded.release_at`,
      )
      .run(change);
  }

  remove(matterId: string): boolean {
    return this.db.prepare('DELETE FROM held_changes WHERE matter_id = ?').run(matterId).changes > 0;
  }

  /** Every held change, soonest release first; those waiting for a person last. */
  all(): HeldChange[] {
    return this.db.prepare<[], Row>('SELECT * FROM held_changes ORDER BY release_at IS NULL, release_at, held_at, matter_id').all().map(toChange);
  }

  /** Held changes whose hold has run out at `now`. */
  due(now: number): HeldChange[] {
    return this.db
      .prepare<[number], Row>("SELECT * FROM held_changes WHERE reason = 'hold' AND release_at <= ? ORDER BY release_at, matter_id")
      .all(now)
      .map(toChange);
  }

  awaitingConfirmation(): HeldChange[] {
    return this.db.prepare<[], Row>("SELECT * FROM held_changes WHERE reason = 'confirm' ORDER BY held_at, matter_id").all().map(toChange);
  }

  nextRelease(): number | null {
    const row = this.db.prepare<[], { at: number | null }>("SELECT MIN(release_at) AS at FROM held_changes WHERE reason = 'hold'").get();
    return row?.at ?? null;
  }

  /** Records a text let through at `at` (before it is sent: a send that fails still counted, erring on the side of asking). */
  recordText(at: number, matterId: string, kind: HeldKind): void {
    this.db.prepare('INSERT INTO case_texts(at, matter_id, kind) VALUES (?, ?, ?)').run(at, matterId, kind);
  }

  textsSince(since: number): number {
    return this.db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM case_texts WHERE at > ?').get(since)!.n;
  }

  /** Drops the text log older than `before` (the guard only looks back over its window). */
  trimTexts(before: number): number {
    return this.db.prepare('DELETE FROM case_texts WHERE at <= ?').run(before).changes;
  }
}
