/*
 * URLs of a SockJS service. The base URL's query string (often an auth token) rides along on every request,
 * so endpoint paths go into the path, before it.
 */

/**
 * Parse the URL the application gave. `ws:`/`wss:` are accepted and mean the same service over HTTP(S); such a
 * URL ending in `/websocket` is the service's raw WebSocket endpoint (what `sockwire serve` prints as its
 * "WebSocket" URL, and what stompjs's `brokerURL` takes), so that last segment is dropped: the service is its
 * parent. An `http(s):` URL is always taken as the service itself.
 */
export function parseServiceUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    // Relative URLs resolve against the page, as `new WebSocket('/echo')` does in current browsers.
    parsed = new URL(
      url.replace(/^ws(s?:[^?#]*?)(\/websocket\/?)?(?=[?#]|$)/i, 'http$1'),
      (globalThis as { location?: { href: string } }).location?.href,
    );
  } catch {}
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new DOMException(`Invalid URL: ${url}`, 'SyntaxError');
  }
  parsed.hash = '';
  return parsed;
}

/** `<base>/<path>` keeping the base's query string. */
export function endpointUrl(base: URL, path: string): string {
  return base.origin + base.pathname.replace(/\/$/, '') + '/' + path + base.search;
}

/**
 * `length` random digits in base `radix`, from the cryptographic random source. Session ids are 16 base-32
 * digits (`0-9a-v`: 256 is a multiple of 32, so each is uniform), 5 bits each, 80 bits in all: anyone who knows a
 * session id can post into the session (that is how xhr_send works). The server id is 3 decimal digits, for a
 * load balancer to route a session's requests to one node (`byte % 10` leans very slightly towards 0-5, which
 * routing does not mind). Digits from `toString(radix)` rather than an alphabet string: 36 B less in the gzipped
 * script-tag file.
 */
export function randomId(length: number, radix = 32): string {
  let id = '';
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) id += (byte % radix).toString(radix);
  return id;
}
