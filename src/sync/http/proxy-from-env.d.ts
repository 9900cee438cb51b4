// proxy-from-env ships no types; this is its one export.
declare module 'proxy-from-env' {
  export function getProxyForUrl(url: string | URL): string;
}
