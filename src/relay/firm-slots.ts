/**
 * At most `perFirm` requests of one firm in progress at once; the rest wait in that firm's own FIFO queue
 * (at most `maxQueued`, beyond which they are refused). A flooding firm's senders then queue behind each
 * other, not in front of the other firms: the event loop reads, verifies and stores at most `perFirm` of its
 * webhooks at a time, whatever number of connections it opens.
 */
export class FirmSlots {
  private readonly active = new Map<string, number>();
  private readonly queues = new Map<string, Array<() => void>>();

  constructor(
    readonly perFirm: number,
    readonly maxQueued: number,
  ) {}

  /**
   * Resolves to a release function once the firm has a free slot, or to undefined when its queue is full or
   * `signal` aborts while waiting. The release function is safe to call more than once.
   */
  acquire(firmId: string, signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    const n = this.active.get(firmId) ?? 0;
    if (n < this.perFirm) {
      this.active.set(firmId, n + 1);
      return Promise.resolve(this.releaser(firmId));
    }
    const queue = this.queues.get(firmId) ?? [];
    if (queue.length >= this.maxQueued) return Promise.resolve(undefined);
    this.queues.set(firmId, queue);
    return new Promise((resolve) => {
      const granted = (): void => {
        signal.removeEventListener('abort', gaveUp);
        resolve(this.releaser(firmId));
      };
      const gaveUp = (): void => {
        const q = this.queues.get(firmId);
        const i = q?.indexOf(granted) ?? -1;
        if (i >= 0) q!.splice(i, 1);
        if (q?.length === 0) this.queues.delete(firmId);
        resolve(undefined);
      };
      signal.addEventListener('abort', gaveUp, { once: true });
      queue.push(granted);
    });
  }

  /** Requests of the firm in progress and waiting (for tests and diagnostics). */
  counts(firmId: string): { active: number; queued: number } {
    return { active: this.active.get(firmId) ?? 0, queued: this.queues.get(firmId)?.length ?? 0 };
  }

  private releaser(firmId: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.queues.get(firmId);
      const next = queue?.shift();
      if (queue?.length === 0) this.queues.delete(firmId);
      // The slot passes straight to the next waiter, so the active count is unchanged.
      if (next) return next();
      const n = (this.active.get(firmId) ?? 1) - 1;
      if (n <= 0) this.active.delete(firmId);
      else this.active.set(firmId, n);
    };
  }
}
