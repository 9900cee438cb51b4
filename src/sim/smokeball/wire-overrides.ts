/**
 * Test-only hook: make the simulator's API serve a malformed or hostile record.
 *
 * The simulator stores typed records and serialises them correctly, so it cannot, on its own, answer with a
 * matter whose title is a number, a contact without an id, or a MatterStage with unreadable ticks. The bad-input
 * tests need exactly that (the real Smokeball API is outside our control). An override replaces the wire JSON
 * of one record, by kind and id, in every API answer that carries it (lists, batches and single GETs); webhook
 * payloads are left alone. Overrides are keyed by the simulator's base URL, so simulators running side by side
 * in one process never see each other's. With no override registered the cost is one Map size check.
 */

export type WireKind = 'matter' | 'contact' | 'matterStage';

/** Gets the record's correct wire JSON; returns what the API should serve instead (any JSON value). */
export type WireTransform = (wire: Record<string, unknown>) => unknown;

const registry = new Map<string, Map<string, WireTransform>>();

const keyOf = (kind: WireKind, id: string) => `${kind}\u0000${id}`;
const originOf = (url: string) => url.replace(/\/+$/, '');

/**
 * Serves `transform(wire)` instead of the record `kind`/`id` from the simulator at `simUrl`. For a
 * MatterStage the id is the matter's id. Returns a function that removes the override.
 */
export function overrideWire(simUrl: string, kind: WireKind, id: string, transform: WireTransform): () => void {
  const origin = originOf(simUrl);
  let forSim = registry.get(origin);
  if (!forSim) registry.set(origin, (forSim = new Map()));
  const key = keyOf(kind, id);
  forSim.set(key, transform);
  return () => {
    const current = registry.get(origin);
    if (current?.get(key) !== transform) return;
    current.delete(key);
    if (current.size === 0) registry.delete(origin);
  };
}

/** Removes every override of one simulator (or of all of them). */
export function clearWireOverrides(simUrl?: string): void {
  if (simUrl === undefined) registry.clear();
  else registry.delete(originOf(simUrl));
}

/** Called by the WireMapper for each API record: the override's answer, or the record unchanged. */
export function applyWireOverride(simUrl: string, kind: WireKind, id: string, wire: Record<string, unknown>): Record<string, unknown> {
  if (registry.size === 0) return wire;
  const transform = registry.get(originOf(simUrl))?.get(keyOf(kind, id));
  // The replacement may be any JSON value (null, a string...): that is the point of the hook.
  return transform ? (transform(structuredClone(wire)) as Record<string, unknown>) : wire;
}
