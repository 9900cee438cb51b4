import type { StateStore } from '../store/index.js';
import type { HistoryMatterView, HistoryTimelineView } from '../contract/history.js';

/** How many matches a search lists: enough to pick from, few enough that a one-letter query stays quick. */
export const HISTORY_SEARCH_LIMIT = 50;

/**
 * The window's matter history: the search behind the History view's box and one matter's timeline. Before the
 * first connection there is no state to read, which is said in words rather than shown as an empty list.
 */
export function searchHistory(store: StateStore | undefined, query: string): HistoryMatterView[] {
  if (!store) throw new Error('Nothing has synced on this PC yet: there is no history to search.');
  return store.history.search(query, HISTORY_SEARCH_LIMIT);
}

export function matterHistory(store: StateStore | undefined, matterId: string, retentionDays: number): HistoryTimelineView {
  if (!store) throw new Error('Nothing has synced on this PC yet: there is no history to show.');
  const matter = store.history.matter(matterId);
  if (!matter) throw new Error('That matter is not synced on this PC (search again by number, title or client name).');
  return { matter, entries: store.history.timeline(matterId), retentionDays };
}
