import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';
import type { LinkRepository } from './links.js';

/** A linked case's payload on its way to Case Status. */
export interface CaseSend {
  matterId: string;
  /** The payload (a CsCaseInput; the store does not know Case Status's types). */
  caseInput: unknown;
  stageId: string | null;
  stageUpdated: string | null;
}

interface Row {
  matter_id: string;
  case_input: string;
  stage_id: string | null;
  stage_updated: string | null;
}

const olderTicks = (a: string | null, b: string | null): boolean => a !== null && b !== null && BigInt(a) < BigInt(b);

/**
 * Case writes in flight. Every later write of a case is built on the payload last recorded for it (a closure sends
 * it with `status: closed`; a held stage goes out on it), so a write that Case Status applied but the app never
 * recorded — the process died between the request and the record of its answer, or a sync host was killed before
 * the firm's shared ledger got the record — would have the next write send the client's case back to the older
 * stage. So the payload is recorded here before the request (and reaches the shared ledger with the write fence's
 * flush, before the request leaves), and removed in the transaction that records the answer.
 *
 * A row still here when a run starts is from a write whose fate is unknown: it is taken as possibly applied. The
 * link gets its payload and stage (the stage guard's ticks never move back), and an empty fingerprint, so the
 * next write of the matter sends what Smokeball has then, whichever way the interrupted write went.
 */
export class CaseSendRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
    private readonly links: LinkRepository,
  ) {}

  record(sends: CaseSend[]): void {
    if (sends.length === 0) return;
    const put = this.db.prepare(
      `INSERT INTO case_sends(matter_id, case_input, stage_id, stage_updated, sent_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(matter_id) DO UPDATE SET case_input = excluded.case_input, stage_id = excluded.stage_id,
         stage_updated = excluded.stage_updated, sent_at = excluded.sent_at`,
    );
    const at = this.now().toISOString();
    this.db.transaction(() => {
      for (const s of sends) put.run(s.matterId, JSON.stringify(s.caseInput), s.stageId, s.stageUpdated, at);
    })();
  }

  /** The answer for these matters is recorded (call inside that transaction). */
  settle(matterIds: Iterable<string>): void {
    const del = this.db.prepare<[string]>('DELETE FROM case_sends WHERE matter_id = ?');
    for (const id of matterIds) del.run(id);
  }

  inFlight(): CaseSend[] {
    return this.db
      .prepare<[], Row>('SELECT matter_id, case_input, stage_id, stage_updated FROM case_sends ORDER BY matter_id')
      .all()
      .map((r) => ({ matterId: r.matter_id, caseInput: JSON.parse(r.case_input) as unknown, stageId: r.stage_id, stageUpdated: r.stage_updated }));
  }

  /**
   * Takes every write left in flight by an earlier process or run as possibly applied (see the class comment).
   * Only when no write is under way: the engine calls it at the start of a run. Returns how many it took.
   */
  resolveInterrupted(): number {
    const sends = this.inFlight();
    if (sends.length === 0) return 0;
    this.db.transaction(() => {
      for (const send of sends) {
        const link = this.links.matter(send.matterId);
        if (link) {
          // A link recorded after the send (it cannot be, but the guard must hold anyway) keeps its newer stage.
          const linkNewer = olderTicks(send.stageUpdated, link.stageUpdated);
          const sent = send.caseInput as { stage?: string | null };
          const caseInput = linkNewer ? { ...sent, stage: link.stageName } : sent;
          this.links.saveMatter({
            ...link,
            caseInput,
            stageName: linkNewer ? link.stageName : (sent.stage ?? null),
            stageId: linkNewer ? link.stageId : (send.stageId ?? link.stageId),
            stageUpdated: linkNewer ? link.stageUpdated : (send.stageUpdated ?? link.stageUpdated),
            fingerprint: '',
          });
        }
        this.settle([send.matterId]);
      }
    })();
    return sends.length;
  }
}
