/**
 * At most `cap` starts within any rolling window of `windowMs`, and consecutive starts at least `windowMs / cap`
 * apart. The spacing is what keeps the server's token bucket (rate r, burst b) from ever running low: starts at
 * the steady rate leave it nearly full, so its burst is headroom for requests the client spaced out but that
 * reach the server bunched (an event-loop stall between this grant and the socket, jitter on the way, a stall in
 * the server). A window alone lets a whole burst through at once and the next one a window later, which empties
 * the bucket and leaves it only `windowMs - 1000` ms of slack; the soak found those 429s (docs/reliability.md).
 * The spacing costs nothing at the steady rate and delays a burst after idle by at most one window.
 */
export class SlidingWindowLimiter {
  private readonly starts: number[] = [];
  private holdUntil = 0;
  private waiters: Array<(grantedAt: number) => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private cap: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get capacity(): number {
    return this.cap;
  }

  setCapacity(cap: number): void {
    this.cap = Math.max(1, Math.floor(cap));
    this.pump();
  }

  /**
   * Resolves when a start is allowed; the start is recorded at that moment. Call the returned `started()` right
   * before the request really goes out: on a busy event loop that can be later than the grant, and the window
   * must count the real send time or two windows' worth of requests could reach the server bunched together.
   */
  async acquire(): Promise<() => void> {
    const granted = await new Promise<number>((resolve) => {
      this.waiters.push(resolve);
      this.pump();
    });
    return () => this.restamp(granted);
  }

  private restamp(granted: number): void {
    const i = this.starts.lastIndexOf(granted);
    if (i < 0) return; // already aged out of the window
    this.starts.splice(i, 1);
    this.starts.push(this.now()); // now() is at least every recorded time, so the list stays sorted
  }

  /** Holds all starts until `untilMs` (performance.now() time), e.g. after a 429: the server's bucket is empty. */
  blockUntil(untilMs: number): void {
    this.holdUntil = Math.max(this.holdUntil, untilMs);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  private pump(): void {
    if (this.timer) return;
    const t = this.now();
    while (this.starts.length > 0 && t - (this.starts[0] as number) >= this.windowMs) this.starts.shift();
    while (this.waiters.length > 0 && t >= this.holdUntil && this.starts.length < this.cap && t >= this.nextSpaced()) {
      this.starts.push(t);
      this.waiters.shift()?.(t);
    }
    if (this.waiters.length === 0) return;
    const nextInWindow = this.starts.length < this.cap ? t : (this.starts[this.starts.length - this.cap] as number) + this.windowMs;
    const nextFree = Math.max(nextInWindow, this.nextSpaced());
    const wait = Math.max(nextFree, this.holdUntil) - t;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(wait)),
    );
  }

  /** The earliest moment the next start keeps its distance from the last one (recorded at its real send). */
  private nextSpaced(): number {
    const last = this.starts[this.starts.length - 1];
    return last === undefined ? -Infinity : last + this.windowMs / this.cap;
  }

  /** Stops pending timers (waiters stay pending); used on shutdown. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
