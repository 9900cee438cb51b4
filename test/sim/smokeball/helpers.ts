/** Shared helpers for the Smokeball simulator tests: start a sim, call the API with both headers. */
import { startSmokeballSim, type SmokeballSim, type SmokeballSimOptions } from '../../../src/sim/smokeball/server.js';
import { smallFirm } from './fixtures.js';

/**
 * Parsed JSON from the API. Tests poke into response bodies freely; typing every wire shape here would
 * only restate the simulator.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TestSim {
  sim: SmokeballSim;
  token: string;
  refreshToken: string;
  /** fetch against the API with x-api-key and the bearer token unless overridden. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** GET + JSON body (throws on non-2xx). */
  get<T = Json>(path: string): Promise<T>;
}

/** Starts a sim with a generous rate limit and no write delay unless the test says otherwise. */
export async function startTestSim(overrides: Partial<SmokeballSimOptions> = {}): Promise<TestSim> {
  const sim = await startSmokeballSim({
    firm: overrides.firm ?? smallFirm(),
    writeDelayMs: 0,
    ...overrides,
    rateLimit: { ratePerSecond: 10_000, burst: 10_000, ...overrides.rateLimit },
  });
  const { accessToken, refreshToken } = sim.control.issueTokens();
  const t: TestSim = {
    sim,
    token: accessToken,
    refreshToken,
    async api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('x-api-key')) headers.set('x-api-key', sim.options.apiKey);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${t.token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(sim.url + path, { ...init, headers, body });
    },
    async get(path) {
      const res = await t.api(path);
      if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`);
      return (await res.json()) as never;
    },
  };
  return t;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
