/**
 * Per-endpoint request accounting for benchmarks: totals, 429s, and a timestamp per accepted request so
 * the peak number of requests in any sliding 1-second window can be computed afterwards.
 */
export interface EndpointCounts {
  requests: number;
  throttled: number;
}

export interface RequestLogEntry {
  at: number; // performance.now() ms
  method: string;
  route: string; // normalised, ids replaced by {id}
  status: number;
  requestId?: string;
  /**
   * The OAuth grant of the bearer token (Smokeball simulator): each install's sign-in is a grant of its own, so a
   * test can tell which install sent a request. Absent when the request was refused before its token was read.
   */
  grantId?: string | null;
}

export class RequestStats {
  readonly byEndpoint = new Map<string, EndpointCounts>();
  readonly log: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): void {
    const key = `${entry.method} ${entry.route}`;
    const counts = this.byEndpoint.get(key) ?? { requests: 0, throttled: 0 };
    counts.requests += 1;
    if (entry.status === 429) counts.throttled += 1;
    this.byEndpoint.set(key, counts);
    this.log.push(entry);
  }

  get total(): number {
    return this.log.length;
  }

  get throttled(): number {
    let n = 0;
    for (const c of this.byEndpoint.values()) n += c.throttled;
    return n;
  }

  /** Largest number of requests the server accepted (not 429) within any window of `windowMs`. */
  peakInWindow(windowMs = 1000, filter: (e: RequestLogEntry) => boolean = (e) => e.status !== 429): number {
    const times = this.log
      .filter(filter)
      .map((e) => e.at)
      .sort((a, b) => a - b);
    let peak = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] as number) - (times[start] as number) >= windowMs) start++;
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  reset(): void {
    this.byEndpoint.clear();
    this.log.length = 0;
  }

  toJSON(): { total: number; throttled: number; byEndpoint: Record<string, EndpointCounts> } {
    return { total: this.total, throttled: this.throttled, byEndpoint: Object.fromEntries(this.byEndpoint) };
  }
}

/** Replaces GUIDs and numeric ids in a path with {id}, so counts group by endpoint. */
export function normaliseRoute(path: string): string {
  return path
    .split('?')[0]!
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(_[A-Z]+)?/gi, '{id}')
    .replace(/\/\d+(?=\/|$)/g, '/{id}');
}
