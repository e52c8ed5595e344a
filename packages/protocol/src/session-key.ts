/*
 * Session keys: Sockwire's extension that binds an HTTP session to the client that opened it.
 *
 * Plain SockJS lets anyone who knows a session id send into the session or take its messages with a poll. A
 * client that wants more asks, on the request that opens the session, for a key (`sw_key=new` in the query);
 * the server answers with the key in the open frame (`o{"key":"..."}`), and every later request of that
 * session carries it (`sw_key=<key>`). Only the page that read the open frame knows it: a page that made the
 * victim's browser open the session (a navigation, an iframe) cannot read the response.
 *
 * Servers that do not know the extension ignore the parameter and answer `o`; clients that do not know it
 * ignore what follows `o` (sockjs-client does), so both sides keep working with everyone.
 */

/** The query parameter that carries the key (or the request for one). */
export const SESSION_KEY_PARAM = 'sw_key';

/** The parameter's value on the request that opens a session: "issue me a key". */
export const SESSION_KEY_REQUEST = 'new';

/**
 * Keys the server issues: base64url (`\w` is `A-Za-z0-9_`), 22 to 64 characters. Anything else is not a key.
 */
export function isSessionKey(value: string): boolean {
  return /^[\w-]{22,64}$/.test(value);
}

/** The open frame of a session bound to `key`. */
export function encodeKeyedOpen(key: string): string {
  return 'o{"key":"' + key + '"}';
}

/**
 * The session key (or `new`) in a raw query string, or null. The first occurrence counts; a value that is
 * neither `new` nor a well-formed key counts as none.
 */
export function readSessionKey(query: string): string | null {
  const prefix = SESSION_KEY_PARAM + '=';
  for (const pair of query.split('&')) {
    if (!pair.startsWith(prefix)) continue;
    const value = pair.slice(prefix.length);
    return value === SESSION_KEY_REQUEST || isSessionKey(value) ? value : null;
  }
  return null;
}

/** `url` with `sw_key=<value>` added to its query string. */
export function withSessionKey(url: string, value: string): string {
  return url + (url.includes('?') ? '&' : '?') + SESSION_KEY_PARAM + '=' + value;
}
