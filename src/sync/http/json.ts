/**
 * JSON.parse that keeps integers of 16+ digits exact by reading them as strings. Smokeball sends .NET ticks
 * (~6.4e17) as JSON numbers, beyond 2^53; plain JSON.parse would round them and make an UpdatedSince cursor
 * or a stage-regression check off by up to ~100 ticks. A single pass quotes such number tokens outside
 * strings; everything else is left to JSON.parse.
 */
export function parseJsonKeepingBigInts(text: string): unknown {
  if (text.length === 0) return undefined;
  if (!/\d{16}/.test(text)) return JSON.parse(text); // fast path: nothing big enough to lose precision
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \\ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) {
      inString = true;
      continue;
    }
    const isDigit = ch >= 48 && ch <= 57;
    if (!isDigit && ch !== 45 /* - */) continue;
    let j = i + 1;
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    const next = text[j];
    const isInteger = next !== '.' && next !== 'e' && next !== 'E';
    const digits = j - i - (ch === 45 ? 1 : 0);
    if (isInteger && digits >= 16) {
      out += `${text.slice(last, i)}"${text.slice(i, j)}"`;
      last = j;
    }
    i = j - 1;
  }
  return JSON.parse(out + text.slice(last));
}
