/**
 * The core validates every settings change; its error names the fields, e.g. "Invalid input for updateSettings:
 * connections.smokeballApiUrl: Use an http(s) address; nightlySyncTime: Use a 24-hour time such as 02:00". This
 * splits it back onto those fields, and keeps whatever names no field as the form-level message.
 */
export function splitValidationError(message: string): { fieldErrors: Record<string, string>; rest: string } {
  const match = /Invalid input for \w+: (.*)$/s.exec(message);
  if (!match) return { fieldErrors: {}, rest: message };
  const fieldErrors: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const part of match[1]!.split('; ')) {
    const sep = part.indexOf(': ');
    const path = sep > 0 ? part.slice(0, sep) : '';
    const text = sep > 0 ? part.slice(sep + 2) : part;
    if (path && path !== 'input' && !fieldErrors[path]) fieldErrors[path] = text;
    else unplaced.push(part);
  }
  const rest = unplaced.length ? unplaced.join('; ') : 'Some settings need fixing; see the messages next to the fields.';
  return { fieldErrors, rest };
}
