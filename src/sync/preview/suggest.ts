/**
 * Suggests the Case Status name closest to a Smokeball name (set-up step 5: stages and practice areas). Names are
 * compared as lower-case words; the score is the Dice coefficient of their letter pairs, so "Pre-Litigation"
 * meets "Pre Litigation" and "Settlement Negotiation" meets "Negotiation". Below MIN_SCORE nothing is suggested:
 * a wrong suggestion costs the firm a wrong text to every client, an empty one costs a click.
 */
const MIN_SCORE = 0.5;

function normalise(name: string): string {
  return name
    .toLocaleLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function pairs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const word of text.split(' ')) {
    for (let i = 0; i < word.length - 1; i += 1) {
      const pair = word.slice(i, i + 2);
      out.set(pair, (out.get(pair) ?? 0) + 1);
    }
  }
  return out;
}

export function similarity(a: string, b: string): number {
  const x = normalise(a);
  const y = normalise(b);
  if (x === '' || y === '') return 0;
  if (x === y) return 1;
  const px = pairs(x);
  const py = pairs(y);
  let shared = 0;
  let total = 0;
  for (const [pair, n] of px) {
    shared += Math.min(n, py.get(pair) ?? 0);
    total += n;
  }
  for (const n of py.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}

/** The candidate most like `name`, or null when none is like it enough (ties: the first candidate). */
export function suggestName(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = MIN_SCORE;
  for (const c of candidates) {
    const score = similarity(name, c);
    if (score > bestScore || (score === 1 && best === null)) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}
