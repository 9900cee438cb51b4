import type { Route } from './event-router.js';
import { newerTicks, type Ticks } from './version-guard.js';

/** What a batch of events asks to re-read, one entry per matter however many events named it. */
export interface MatterHint {
  /** A matter event: re-read the record and its stage. */
  matter: boolean;
  /** Newest `versionId` among the matter events; undefined when any of them had none (must re-read). */
  matterVersion: Ticks | undefined;
  /** A stage event: re-read the MatterStage. */
  stage: boolean;
  /** Newest `lastUpdated` among the stage events; undefined when any of them had none. */
  stageUpdated: Ticks | undefined;
  /** How many events this entry stands for. */
  events: number;
}

export interface Batch {
  matters: Map<string, MatterHint>;
  contacts: Set<string>;
  /** Events that the batch stands for and that lead to a re-read (for `eventsApplied`). */
  actionableEvents: number;
}

/**
 * Collects routed events between two engine refreshes and merges them per matter, so ten events for one
 * matter (a burst of edits, duplicates, redeliveries) cost one re-read. Pure: no I/O, no timers.
 */
export class Coalescer {
  private matters = new Map<string, MatterHint>();
  private contacts = new Set<string>();
  private actionable = 0;

  get size(): number {
    return this.matters.size + this.contacts.size;
  }

  /** Adds an event's route; returns whether it asks for a re-read. */
  add(route: Route): boolean {
    if (route.kind === 'matter' || route.kind === 'stage') {
      const hint: MatterHint =
        route.kind === 'matter'
          ? { matter: true, matterVersion: route.version, stage: false, stageUpdated: undefined, events: 1 }
          : { matter: false, matterVersion: undefined, stage: true, stageUpdated: route.lastUpdated, events: 1 };
      this.mergeHint(route.matterId, hint);
      this.actionable += 1;
      return true;
    }
    if (route.kind === 'contact') {
      this.contacts.add(route.contactId);
      this.actionable += 1;
      return true;
    }
    return false;
  }

  /** Takes everything collected so far and starts empty. */
  drain(): Batch {
    const batch: Batch = { matters: this.matters, contacts: this.contacts, actionableEvents: this.actionable };
    this.matters = new Map();
    this.contacts = new Set();
    this.actionable = 0;
    return batch;
  }

  /** Puts a batch that could not be applied back, merged with whatever arrived meanwhile. */
  restore(batch: Batch): void {
    for (const [id, hint] of batch.matters) this.mergeHint(id, hint);
    for (const id of batch.contacts) this.contacts.add(id);
    this.actionable += batch.actionableEvents;
  }

  private mergeHint(matterId: string, hint: MatterHint): void {
    const prev = this.matters.get(matterId);
    if (!prev) {
      this.matters.set(matterId, { ...hint });
      return;
    }
    this.matters.set(matterId, {
      matter: prev.matter || hint.matter,
      matterVersion: mergeVersions(prev.matter, prev.matterVersion, hint.matter, hint.matterVersion),
      stage: prev.stage || hint.stage,
      stageUpdated: mergeVersions(prev.stage, prev.stageUpdated, hint.stage, hint.stageUpdated),
      events: prev.events + hint.events,
    });
  }
}

/** Only hints that are present count: a matter-only entry has no stage version to merge. */
function mergeVersions(hasA: boolean, a: Ticks | undefined, hasB: boolean, b: Ticks | undefined): Ticks | undefined {
  if (hasA && hasB) return newerTicks(a, b);
  return hasA ? a : hasB ? b : undefined;
}
