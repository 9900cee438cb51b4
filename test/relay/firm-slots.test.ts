/** FirmSlots (src/relay/firm-slots.ts): a firm's webhooks beyond its slots wait in its own FIFO queue. */
import { describe, expect, it } from 'vitest';
import { FirmSlots } from '../../src/relay/firm-slots.js';

const open = () => new AbortController().signal;

describe('FirmSlots', () => {
  it('grants up to perFirm at once, queues the rest in order, refuses beyond the queue; firms are separate', async () => {
    const slots = new FirmSlots(2, 2);
    const a = await slots.acquire('noisy', open());
    const b = await slots.acquire('noisy', open());
    expect(a && b).toBeTruthy();
    const order: string[] = [];
    const c = slots.acquire('noisy', open()).then((r) => (order.push('c'), r));
    const d = slots.acquire('noisy', open()).then((r) => (order.push('d'), r));
    expect(await slots.acquire('noisy', open())).toBeUndefined();
    expect(slots.counts('noisy')).toEqual({ active: 2, queued: 2 });
    // Another firm is not behind the noisy firm's queue.
    expect(await slots.acquire('quiet', open())).toBeTypeOf('function');
    a!();
    a!(); // a second release of the same slot frees nothing more
    const granted = await c;
    expect(order).toEqual(['c']);
    expect(slots.counts('noisy')).toEqual({ active: 2, queued: 1 });
    b!();
    await d;
    expect(order).toEqual(['c', 'd']);
    granted!();
    (await d)!();
    expect(slots.counts('noisy')).toEqual({ active: 0, queued: 0 });
  });

  it('a waiter whose connection closes leaves the queue without taking a slot', async () => {
    const slots = new FirmSlots(1, 4);
    const held = await slots.acquire('noisy', open());
    const gone = new AbortController();
    const waiting = slots.acquire('noisy', gone.signal);
    const next = slots.acquire('noisy', open());
    gone.abort();
    expect(await waiting).toBeUndefined();
    expect(slots.counts('noisy')).toEqual({ active: 1, queued: 1 });
    held!();
    const release = await next;
    expect(release).toBeTypeOf('function');
    release!();
    expect(slots.counts('noisy')).toEqual({ active: 0, queued: 0 });
  });
});
