import { describe, expect, it } from 'vitest';
import { asUnleasedRead, LeaseLostError, type UnleasedRead, type WriteFence } from '../../../src/sync/coordination/index.js';
import { classifyApiError } from '../../../src/sync/http/api-error.js';
import { PacingGate } from '../../../src/sync/pacing/gate.js';
import { readSmokeballFirmName } from '../../../src/sync/smokeball/firm-name.js';

/**
 * Reads without the firm's sync lease (src/sync/coordination/unleased-read.ts): the fence of an install that does
 * not hold the lease refuses every request, except the kinds of read it admits; those are still paced by the gate.
 * No server: a refused connection on a closed port is where a request that got through ends.
 */
class NotHostFence implements WriteFence {
  beforeSends = 0;
  constructor(private readonly admits: UnleasedRead[]) {}
  check(): void {
    throw new LeaseLostError('another install holds the sync lease');
  }
  async beforeSend(): Promise<void> {
    this.beforeSends += 1;
    this.check();
  }
  admitsUnleased(read: UnleasedRead): boolean {
    return this.admits.includes(read);
  }
}

const gateWith = (fence: WriteFence) => new PacingGate({ name: 'smokeball', ratePerSecond: 5, burst: 5, classify: classifyApiError, fence });
const CLOSED_PORT = 'http://127.0.0.1:9';

describe('reads without the sync lease', () => {
  it('go through the gate only in a scope the fence admits, and are still paced', async () => {
    const fence = new NotHostFence(['sign-in']);
    const gate = gateWith(fence);
    let sent = 0;
    const attempt = async () => ++sent;
    try {
      await expect(gate.run(attempt, { idempotent: true })).rejects.toBeInstanceOf(LeaseLostError);
      await expect(asUnleasedRead('set-up', () => gate.run(attempt, { idempotent: true }))).rejects.toBeInstanceOf(LeaseLostError);
      expect(sent).toBe(0);
      expect(fence.beforeSends).toBe(2);

      // The scope survives awaits before the request enters the gate (as in the Smokeball client's token fetch).
      const admitted = await asUnleasedRead('sign-in', async () => {
        await new Promise((r) => setImmediate(r));
        return gate.run(attempt, { idempotent: true });
      });
      expect(admitted).toBe(1);
      expect(gate.metrics.sent).toBe(1);
      expect(fence.beforeSends).toBe(2); // admitted: the fence was not asked to send

      // Still paced: a paused gate holds an admitted read until it resumes.
      gate.pause();
      const held = asUnleasedRead('sign-in', () => gate.run(attempt, { idempotent: true }));
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(sent).toBe(1);
      gate.resume();
      expect(await held).toBe(2);
      // Outside the scope again: refused.
      await expect(gate.run(attempt, { idempotent: true })).rejects.toBeInstanceOf(LeaseLostError);
      expect(sent).toBe(2);
    } finally {
      gate.dispose();
    }
  });

  it("the firm's name after sign-in is a sign-in read through the install's Smokeball gate", async () => {
    const read = (pacing: Parameters<typeof readSmokeballFirmName>[0]['pacing']) =>
      readSmokeballFirmName({ apiUrl: CLOSED_PORT, apiKey: 'k', accessToken: 't', pacing, timeoutMs: 2_000 });

    // A fence that admits no unleased read: the name is not read (nothing leaves the gate).
    const refusing = gateWith(new NotHostFence([]));
    await expect(read(refusing)).rejects.toBeInstanceOf(LeaseLostError);
    expect(refusing.metrics.sent).toBe(0);
    refusing.dispose();

    // The app's fence admits it on any install: the gate sends it (counted, paced) and the closed port refuses it.
    const admitting = gateWith(new NotHostFence(['sign-in']));
    await expect(read(admitting)).rejects.toThrow(/Smokeball|ECONNREFUSED|connect/i);
    expect(admitting.metrics.sent).toBe(1);
    admitting.dispose();

    // No stack yet (set-up step 1): a gate of the firm's rate for this one read.
    await expect(read({ ratePerSecond: 5, burst: 5 })).rejects.toThrow(/Smokeball|ECONNREFUSED|connect/i);
  });
});
