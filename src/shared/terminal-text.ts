/**
 * Text bound for a terminal. Names come from firms, clients and Case Status: an ESC sequence in one could
 * move the cursor, recolour or retitle the terminal, hide lines or (in some terminals) write files. Every C0
 * control except newline and tab, DEL, every C1 control (0x9b is a one-byte CSI) and the bidi overrides that
 * reorder what is shown are removed. Dependency-free: the relay CLI and the app's CLI both use it.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}
