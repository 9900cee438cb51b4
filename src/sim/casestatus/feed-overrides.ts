/**
 * Test-only hook: make the simulator's message and document feeds serve a malformed or hostile item.
 *
 * The simulator's state is typed, so on its own it only serves well-formed items. The bad-input tests need a
 * feed item without a sender, a document whose declared size or SHA-256 does not match its bytes, or two items
 * with one id. An override replaces one item's JSON, by kind and id, in the feed and list answers
 * (GET /v1/messages, /v1/documents, /v1/cases/{id}/messages|documents, /v1/documents/{id}); the content
 * download is left alone, so a changed `sizeBytes`/`sha256` really disagrees with the bytes served.
 * Overrides are keyed by the simulator's port, so simulators side by side in one process stay apart.
 */

export type FeedKind = 'message' | 'document';

/** Gets the item's correct JSON; returns what the feed should serve instead (any JSON value). */
export type FeedTransform = (item: Record<string, unknown>) => unknown;

const registry = new Map<string, Map<string, FeedTransform>>();

const keyOf = (kind: FeedKind, id: string) => `${kind}\u0000${id}`;
const portOf = (simUrl: string) => new URL(simUrl).port;

/** Serves `transform(item)` instead of item `kind`/`id` of the simulator at `simUrl`; returns the undo. */
export function overrideFeedItem(simUrl: string, kind: FeedKind, id: string, transform: FeedTransform): () => void {
  const port = portOf(simUrl);
  let forSim = registry.get(port);
  if (!forSim) registry.set(port, (forSim = new Map()));
  const key = keyOf(kind, id);
  forSim.set(key, transform);
  return () => {
    const current = registry.get(port);
    if (current?.get(key) !== transform) return;
    current.delete(key);
    if (current.size === 0) registry.delete(port);
  };
}

export function clearFeedOverrides(simUrl?: string): void {
  if (simUrl === undefined) registry.clear();
  else registry.delete(portOf(simUrl));
}

/** Called by the feed routes for each item they serve. `port` is the server's local port. */
export function applyFeedOverride<T extends { id: string }>(port: number | undefined, kind: FeedKind, item: T): T {
  if (registry.size === 0 || port === undefined) return item;
  const transform = registry.get(String(port))?.get(keyOf(kind, item.id));
  return transform ? (transform(structuredClone(item) as unknown as Record<string, unknown>) as T) : item;
}
