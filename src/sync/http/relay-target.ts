/**
 * The relay's address and the firm's token, checked once for every client of the relay (events, firm, lease):
 * both come from settings and the keychain, so a missing or odd value gets a message staff can act on.
 */
export function relayBaseUrl(options: { relayUrl: string; relayToken: string }): string {
  if (!/^https?:\/\//i.test(options.relayUrl)) throw new Error('The relay URL must start with http:// or https://');
  if (!options.relayToken) throw new Error('The relay token is not set up yet. Add it in Settings → Connections.');
  return options.relayUrl.replace(/\/+$/, '');
}
