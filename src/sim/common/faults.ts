import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRng, type Rng } from './random.js';

/**
 * Fault injection shared by the simulators. Every knob can change while the server runs
 * (tests flip them mid-sync). Rates are shares in [0, 1] applied per request, drawn from a seeded PRNG
 * so a failing run can be repeated.
 */
export interface FaultConfig {
  /** Added latency per request, uniformly in [latencyMs - jitterMs, latencyMs + jitterMs]. */
  latencyMs: number;
  latencyJitterMs: number;
  /** Share of requests answered with 500, 502 or 503 (evenly split). */
  serverErrorRate: number;
  /** Share of requests whose TCP connection is destroyed without a response. */
  resetRate: number;
  /** Share of requests that never get an answer (the client must time out). */
  hangRate: number;
  /** Only requests whose path starts with one of these prefixes are subject to faults (empty = all). */
  pathPrefixes: string[];
}

export const NO_FAULTS: FaultConfig = {
  latencyMs: 0,
  latencyJitterMs: 0,
  serverErrorRate: 0,
  resetRate: 0,
  hangRate: 0,
  pathPrefixes: [],
};

export type FaultKind = 'serverError' | 'reset' | 'hang';

export class FaultInjector {
  config: FaultConfig;
  readonly injected: Record<FaultKind, number> = { serverError: 0, reset: 0, hang: 0 };
  private readonly rng: Rng;
  private readonly hung = new Set<FastifyRequest>();

  constructor(config: Partial<FaultConfig> = {}, seed = 1) {
    this.config = { ...NO_FAULTS, ...config };
    this.rng = createRng(seed);
  }

  set(config: Partial<FaultConfig>): void {
    this.config = { ...this.config, ...config };
  }

  /** Registers an onRequest hook on the server. Paths in `exempt` (control API, OAuth pages) are never faulted. */
  install(app: FastifyInstance, exempt: (path: string) => boolean = () => false): void {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (exempt(path)) return;
      const c = this.config;
      if (c.latencyMs > 0 || c.latencyJitterMs > 0) {
        const delay = Math.max(0, c.latencyMs + (this.rng() * 2 - 1) * c.latencyJitterMs);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      if (c.pathPrefixes.length > 0 && !c.pathPrefixes.some((p) => path.startsWith(p))) return;
      const roll = this.rng();
      if (roll < c.hangRate) {
        this.injected.hang += 1;
        this.hung.add(request);
        request.raw.socket.once('close', () => this.hung.delete(request));
        await new Promise<never>(() => {}); // never resolves: the request hangs until the socket closes
      }
      if (roll < c.hangRate + c.resetRate) {
        this.injected.reset += 1;
        request.raw.socket.destroy();
        return reply.hijack();
      }
      if (roll < c.hangRate + c.resetRate + c.serverErrorRate) {
        this.injected.serverError += 1;
        const status = [500, 502, 503][Math.floor(this.rng() * 3)] ?? 500;
        return sendServerError(reply, status);
      }
    });
    app.addHook('onClose', async () => {
      for (const request of this.hung) request.raw.socket.destroy();
      this.hung.clear();
    });
  }
}

function sendServerError(reply: FastifyReply, status: number): FastifyReply {
  const message = status === 500 ? 'Internal server error' : status === 502 ? 'Bad Gateway' : 'Service Unavailable';
  return reply.code(status).type('application/json').send({ message });
}
