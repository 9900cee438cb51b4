/** Electron wraps errors from main as "Error invoking remote method 'css:invoke': Error: <message>"; staff need only the message. */
export function withoutIpcPrefix(message: string): string {
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}
