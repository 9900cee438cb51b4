import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PNG_SIGNATURE, renderIcon, trayIconFiles, TRAY_STATES } from '../../scripts/make-icons.js';

const repoRoot = join(import.meta.dirname, '..', '..');

/** Decodes the PNGs make-icons writes (8-bit RGBA, filter 0): width, height and pixels. */
function decodePng(bytes: Buffer): { width: number; height: number; rgba: Buffer } {
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

describe('tray icons', () => {
  it('has a 16 px and a 32 px (@2x) PNG for every tray state, matching scripts/make-icons.ts', () => {
    const files = trayIconFiles();
    expect(new Set(files.map((f) => f.state))).toEqual(new Set(TRAY_STATES));
    for (const { file, state, size } of files) {
      const png = decodePng(readFileSync(join(repoRoot, 'electron', 'assets', file)));
      expect([png.width, png.height], file).toEqual([size, size]);
      expect(png.rgba.equals(Buffer.from(renderIcon(state, size))), `${file} is stale: run npx tsx scripts/make-icons.ts`).toBe(true);
    }
  });

  it('draws each state differently, with transparent corners', () => {
    const hashes = TRAY_STATES.map((s) => createHash('sha256').update(renderIcon(s, 16)).digest('hex'));
    expect(new Set(hashes).size).toBe(TRAY_STATES.length);
    for (const s of TRAY_STATES) expect(renderIcon(s, 16)[3]).toBe(0);
  });
});
