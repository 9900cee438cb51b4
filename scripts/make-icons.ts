/**
 * Draws the tray icons (one colour and glyph per state) and the app icon, with Node alone: shapes are rendered with
 * supersampled coverage and written as RGBA PNGs through zlib. Run `npx tsx scripts/make-icons.ts` after changing a
 * design; test/electron/icons.test.ts checks the committed files match this script.
 *
 *   electron/assets/tray-<state>.png      16 px
 *   electron/assets/tray-<state>@2x.png   32 px (Electron picks it on high-DPI screens)
 *   build/icon.png                        1024 px (electron-builder derives .ico and .icns from it)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';
import type { TrayState } from '../src/contract/view.js';

export const TRAY_STATES: readonly TrayState[] = ['synced', 'syncing', 'paused', 'attention', 'offline', 'signed_out'];

type Rgb = readonly [number, number, number];
/** A shape: true where the point (in a 0..1 square) is inside. */
type Shape = (x: number, y: number) => boolean;

const WHITE: Rgb = [255, 255, 255];
const COLOURS: Record<TrayState, Rgb> = {
  synced: [0x2e, 0x9d, 0x5b],
  syncing: [0x2f, 0x6f, 0xdf],
  paused: [0x6b, 0x7a, 0x8f],
  attention: [0xe3, 0x9b, 0x16],
  offline: [0x5f, 0x63, 0x68],
  signed_out: [0x9a, 0xa0, 0xa6],
};

const disc =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring =
  (cx: number, cy: number, outer: number, inner: number): Shape =>
  (x, y) => {
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    return d <= outer * outer && d >= inner * inner;
  };
/** A line segment with round ends (a stroke of width 2r). */
const capsule =
  (ax: number, ay: number, bx: number, by: number, r: number): Shape =>
  (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return (x - (ax + t * dx)) ** 2 + (y - (ay + t * dy)) ** 2 <= r * r;
  };
const rect =
  (x0: number, y0: number, x1: number, y1: number): Shape =>
  (x, y) =>
    x >= x0 && x <= x1 && y >= y0 && y <= y1;
/** Part of a ring between two angles (degrees, clockwise from 12 o'clock). */
const arc = (cx: number, cy: number, r: number, width: number, from: number, to: number): Shape => {
  const inRing = ring(cx, cy, r + width / 2, r - width / 2);
  return (x, y) => {
    if (!inRing(x, y)) return false;
    const angle = ((Math.atan2(x - cx, -(y - cy)) * 180) / Math.PI + 360) % 360;
    return angle >= from && angle <= to;
  };
};
const triangle =
  (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): Shape =>
  (x, y) => {
    const s1 = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    const s2 = (cx - bx) * (y - by) - (cy - by) * (x - bx);
    const s3 = (ax - cx) * (y - cy) - (ay - cy) * (x - cx);
    return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
  };
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((s) => s(x, y));

/** Background shape and white glyph of each state. */
function design(state: TrayState): { base: Shape; glyph: Shape | null } {
  const body = disc(0.5, 0.5, 0.47);
  switch (state) {
    case 'synced':
      return { base: body, glyph: union(capsule(0.28, 0.52, 0.43, 0.67, 0.075), capsule(0.43, 0.67, 0.72, 0.35, 0.075)) };
    case 'syncing':
      return { base: body, glyph: union(arc(0.5, 0.5, 0.25, 0.12, 40, 320), triangle(0.5, 0.1, 0.5, 0.4, 0.68, 0.25)) };
    case 'paused':
      return { base: body, glyph: union(rect(0.33, 0.28, 0.44, 0.72), rect(0.56, 0.28, 0.67, 0.72)) };
    case 'attention':
      return { base: body, glyph: union(capsule(0.5, 0.25, 0.5, 0.55, 0.08), disc(0.5, 0.74, 0.08)) };
    case 'offline':
      return { base: body, glyph: union(capsule(0.33, 0.33, 0.67, 0.67, 0.075), capsule(0.67, 0.33, 0.33, 0.67, 0.075)) };
    case 'signed_out':
      return { base: ring(0.5, 0.5, 0.47, 0.3), glyph: null };
  }
}

/** RGBA pixels of one icon, `samples`² coverage samples per pixel. */
export function renderIcon(state: TrayState, size: number, samples = 4): Uint8Array {
  const { base, glyph } = design(state);
  const colour = COLOURS[state];
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let a = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          const c = glyph?.(x, y) && base(x, y) ? WHITE : base(x, y) ? colour : null;
          if (!c) continue;
          a++;
          r += c[0];
          g += c[1];
          b += c[2];
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
        out[i + 3] = Math.round((255 * a) / (samples * samples));
      }
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An 8-bit RGBA PNG (filter 0 on every row). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array())]);
}

export function trayIconFiles(): Array<{ file: string; state: TrayState; size: number }> {
  return TRAY_STATES.flatMap((state) => [
    { file: `tray-${state}.png`, state, size: 16 },
    { file: `tray-${state}@2x.png`, state, size: 32 },
  ]);
}

export function writeIcons(repoRoot: string): string[] {
  const assets = join(repoRoot, 'electron', 'assets');
  mkdirSync(assets, { recursive: true });
  const written: string[] = [];
  for (const { file, state, size } of trayIconFiles()) {
    writeFileSync(join(assets, file), encodePng(size, size, renderIcon(state, size)));
    written.push(join('electron', 'assets', file));
  }
  mkdirSync(join(repoRoot, 'build'), { recursive: true });
  writeFileSync(join(repoRoot, 'build', 'icon.png'), encodePng(1024, 1024, renderIcon('syncing', 1024, 2)));
  written.push(join('build', 'icon.png'));
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of writeIcons(join(import.meta.dirname, '..'))) console.log(`wrote ${file}`);
}
