import type { HeldChange, HeldKind, MatterLink, StateStore } from '../../store/index.js';
import type { SyncConfig } from '../config.js';

/** The mass-change guard looks back this far. */
export const MASS_CHANGE_WINDOW_MS = 10 * 60_000;
export const MASS_CHANGE_SUBJECT = 'stage-changes';

/** The engine's live config: a settings change applies to the next decision without a restart. */
export type StageGateConfig = Pick<SyncConfig, 'stageHoldMinutes' | 'massChangeLimit'>;

/** A stage the sync is about to send for a linked matter. */
export interface StageMove {
  stageId: string | null;
  stageName: string | null;
  stageUpdated: string | null;
}

/**
 * `send`: send it now. `wait`: held (or already held); the case keeps the stage the client last saw for now.
 * `same`: the client already sees this stage (a change undone within the hold is forgotten here).
 */
export type GateVerdict = 'send' | 'wait' | 'same';

/**
 * The one place that decides whether a stage change or closure may text a client now. Both real time and the
 * nightly reconcile write cases through the CaseWriter, which asks this gate first, so the hold and the mass-change
 * guard cover every path. Held changes are rows in SQLite (one per matter), so they survive a restart.
 */
export class StageGate {
  constructor(
    private readonly store: StateStore,
    private readonly config: StageGateConfig,
    private readonly now: () => number,
  ) {}

  get holdMs(): number {
    return Math.min(30, Math.max(0, this.config.stageHoldMinutes)) * 60_000;
  }

  stage(link: MatterLink, move: StageMove, cause: string): GateVerdict {
    const held = this.store.held.get(link.matterId);
    if (held?.kind === 'close') return 'wait';
    // The same or an older read than the change already held: it neither replaces it nor restarts its hold.
    if (held && held.stageUpdated && move.stageUpdated && BigInt(move.stageUpdated) <= BigInt(held.stageUpdated)) return 'wait';
    if (move.stageName === link.stageName) {
      if (held) this.forget(held);
      return 'same';
    }
    const now = this.now();
    const base = { matterId: link.matterId, kind: 'stage' as const, ...move, fromStage: link.stageName, cause, heldAt: held?.heldAt ?? now };
    if (held?.reason === 'confirm') {
      // Already waiting for a person: it keeps waiting, now for the latest stage.
      this.store.held.put({ ...base, reason: 'confirm', releaseAt: null });
      return 'wait';
    }
    if (this.holdMs > 0) {
      // Each change restarts the hold: a mistake corrected a minute later is never sent.
      this.store.held.put({ ...base, reason: 'hold', releaseAt: now + this.holdMs });
      return 'wait';
    }
    if (this.admit(link.matterId, 'stage')) return 'send';
    this.store.held.put({ ...base, reason: 'confirm', releaseAt: null });
    return 'wait';
  }

  close(link: MatterLink, cause: string): Exclude<GateVerdict, 'same'> {
    if (this.admit(link.matterId, 'close')) {
      this.store.held.remove(link.matterId);
      return 'send';
    }
    const now = this.now();
    this.store.held.put({
      matterId: link.matterId,
      kind: 'close',
      stageId: null,
      stageName: null,
      stageUpdated: null,
      fromStage: link.stageName,
      reason: 'confirm',
      cause,
      heldAt: now,
      releaseAt: null,
    });
    return 'wait';
  }

  /**
   * Lets one change through the mass-change guard, counting it (before it is sent, so parallel pages of one run
   * share the budget). `force`: a person chose to send it.
   */
  admit(matterId: string, kind: HeldKind, force = false): boolean {
    const now = this.now();
    if (!force && this.store.held.textsSince(now - MASS_CHANGE_WINDOW_MS) >= this.config.massChangeLimit) return false;
    this.store.held.recordText(now, matterId, kind);
    return true;
  }

  /** Held changes whose hold has run out. */
  due(): HeldChange[] {
    return this.store.held.due(this.now());
  }

  /** A due change the guard does not let through now waits for a person instead. */
  awaitConfirmation(change: HeldChange): void {
    this.store.held.put({ ...change, reason: 'confirm', releaseAt: null });
  }

  forget(change: HeldChange): void {
    this.store.held.remove(change.matterId);
  }

  /** Trims the text log to the guard's window. */
  trim(): void {
    this.store.held.trimTexts(this.now() - MASS_CHANGE_WINDOW_MS);
  }
}
