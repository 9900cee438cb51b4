import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileLog } from '../../src/app/file-log.js';
import { tempDir } from '../helpers/tmp.js';

describe('the rotating file log', () => {
  it('caps each file, keeps a bounded number of rotated files, and keeps redacting', async () => {
    const tmp = tempDir('css-file-log-');
    try {
      const secret = 'sk-live-0123456789abcdef';
      const log = createFileLog({ dir: join(tmp.dir, 'logs'), name: 'main.log', maxSizeBytes: 4096, maxFiles: 3, knownSecrets: () => [secret] });
      const lines = 400;
      for (let i = 0; i < lines; i++) {
        log.info(`entry ${i} with ${secret}`, { i, headers: { authorization: `Bearer ${secret}` }, pad: 'x'.repeat(60) });
        // Let the stream rotate between bursts, as a real app's logging is spread over time.
        if (i % 50 === 49) await log.flush();
      }
      await log.flush();
      await log.close();

      const files = readdirSync(join(tmp.dir, 'logs')).sort();
      console.log(`file log: ${lines} entries → files ${files.join(', ')}`);
      expect(files).toEqual(['main.log', 'main.log.1', 'main.log.2', 'main.log.3']);
      for (const f of files) expect(statSync(join(tmp.dir, 'logs', f)).size).toBeLessThanOrEqual(4096 + 1024);
      const all = files.map((f) => readFileSync(join(tmp.dir, 'logs', f), 'utf8')).join('');
      expect(all).not.toContain(secret);
      // The newest entry is in the current file, as a JSON line with level, time and message.
      const current = readFileSync(join(tmp.dir, 'logs', 'main.log'), 'utf8')
        .trim()
        .split('\n');
      const last = JSON.parse(current.at(-1)!) as Record<string, unknown>;
      expect(last).toMatchObject({ level: 'info', message: `entry ${lines - 1} with [redacted]`, i: lines - 1, headers: { authorization: '[redacted]' } });
      expect(typeof last.at).toBe('string');
      // Old entries went: only the most recent ones are kept.
      expect(all).not.toContain('"message":"entry 0 with');
    } finally {
      tmp.cleanup();
    }
  });

  it('never throws when the log folder cannot be made (a file is in the way)', async () => {
    const tmp = tempDir('css-file-log-');
    try {
      writeFileSync(join(tmp.dir, 'logs'), 'not a folder');
      const echoed: string[] = [];
      const log = createFileLog({ dir: join(tmp.dir, 'logs'), name: 'main.log', echo: (line) => echoed.push(line) });
      expect(() => log.error('still fine')).not.toThrow();
      await log.flush();
      expect(() => log.warn('and still fine')).not.toThrow();
      await log.close();
      // The console echo still works, so the entries are not lost from sight.
      expect(echoed.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['still fine', 'and still fine']);
      expect(readFileSync(join(tmp.dir, 'logs'), 'utf8')).toBe('not a folder');
    } finally {
      tmp.cleanup();
    }
  });
});
