import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { InvalidCommandError, parseCommand } from '../../src/contract/commands.js';
import { openStateStore } from '../../src/store/index.js';
import { matterHistory, searchHistory } from '../../src/app/history-lookup.js';
import { tempDir } from '../helpers/tmp.js';

describe('history commands', () => {
  it('refuse an empty or oversized search and an empty matter id, with a readable reason', () => {
    expect(() => parseCommand('historySearch', { query: '   ' })).toThrow(/Type a matter number, title or client name/);
    expect(() => parseCommand('historySearch', { query: 'x'.repeat(201) })).toThrow(InvalidCommandError);
    expect(() => parseCommand('historyMatter', { matterId: '' })).toThrow(InvalidCommandError);
    expect(parseCommand('historySearch', { query: '  2024-0042 ' }).input).toEqual({ query: '2024-0042' });
  });

  it('say in words when there is no state yet or the matter is not synced', () => {
    expect(() => searchHistory(undefined, 'x')).toThrow('Nothing has synced on this PC yet');
    const dir = tempDir();
    const store = openStateStore(join(dir.dir, 'sync.sqlite'));
    try {
      expect(searchHistory(store, 'anything')).toEqual([]);
      expect(() => matterHistory(store, 'not-a-matter', 180)).toThrow('That matter is not synced on this PC');
    } finally {
      store.close();
      dir.cleanup();
    }
  });
});
