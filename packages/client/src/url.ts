/*
 * URLs of a SockJS service. The base URL's query string (often an auth token) rides along on every request,
 * so endpoint paths go into the path, before it.
 */

/** Parse the URL the application gave; `ws:`/`wss:` are accepted and mean the same service over HTTP(S). */
export function parseServiceUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    // Relative URLs resolve against the page, as `new WebSocket('/echo')` does in current browsers.
    parsed = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  } catch {}
  if (!parsed || !/^(http|ws)s?:$/.test(parsed.protocol)) {
    throw new DOMException(`Invalid SockJS URL: ${url}`, 'SyntaxError');
  }
  parsed.protocol = parsed.protocol.replace('ws', 'http');
  parsed.hash = '';
  return parsed;
}

/** `<base>/<path>` keeping the base's query string. */
export function endpointUrl(base: URL, path: string): string {
  return base.origin + base.pathname.replace(/\/$/, '') + '/' + path + base.search;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz012345';

/**
 * A session id. Anyone who knows it can post into the session (that is how xhr_send works), so it comes from
 * the cryptographic random source: 16 characters of 5 bits each, 80 bits in all.
 */
export function randomSessionId(): string {
  let id = '';
  for (const byte of crypto.getRandomValues(new Uint8Array(16))) id += ALPHABET[byte & 31];
  return id;
}

/** The server id: three digits that let a load balancer route a session's requests to one node. */
export function randomServerId(): string {
  const [value = 0] = crypto.getRandomValues(new Uint16Array(1));
  return String(value % 1000).padStart(3, '0');
}
