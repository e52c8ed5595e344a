/**
 * The JSON quoting SockJS needs on top of JSON.stringify.
 *
 * Some characters survive JSON but not the trip through browsers, proxies or transports: line and paragraph
 * separators break JavaScript string literals in JSONP/htmlfile, zero-width and bidi controls get stripped,
 * noncharacters get replaced. The protocol sends these as `\uXXXX` escapes (lower-case hex), which every JSON
 * parser turns back into the same code unit. Lone surrogates, which cannot be UTF-8 encoded, are already escaped
 * by JSON.stringify itself (ES2019 well-formed stringify); paired ones are valid UTF-8 and go out as is.
 */

/** What a server must escape on the way out (the sockjs-protocol suite checks exactly this set above U+00FF). */
const SERVER_ESCAPABLE = /[\u0000-\u001f\u200c-\u200f\u2028-\u202f\u2060-\u206f\ufff0-\uffff]/g;

function escapeCodeUnit(ch: string): string {
  return '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}

/** JSON-quote a string for a server-to-client frame. */
export function quote(value: string): string {
  return JSON.stringify(value).replace(SERVER_ESCAPABLE, escapeCodeUnit);
}

/**
 * JSON-quote a string for a client-to-server payload. Escaped: C1 controls, soft hyphen, Arabic/Syriac/Khmer
 * format characters, general punctuation and formatting (U+2000-U+20FF), the BOM and specials: the characters
 * that XHR bodies and intermediaries have been seen to drop, normalise or replace. (C0 controls too, but
 * JSON.stringify has escaped those already.) The pattern is written in place rather than as a module constant
 * like the server's: 7 B less in the client's gzipped script-tag file.
 */
export function quoteClientMessage(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u00ad\u0600-\u0604\u070f\u17b4\u17b5\u2000-\u20ff\ufeff\ufff0-\uffff]/g,
    escapeCodeUnit,
  );
}

/**
 * JSON-quote a whole frame so that it can sit inside an HTML `<script>` element or a JavaScript callback:
 * on top of `quote`, `<`, `>` and `&` are escaped so that `</script>` or `<!--` in a message cannot end the
 * script element early.
 */
export function quoteForScript(value: string): string {
  return quote(value).replace(/[<>&]/g, escapeCodeUnit);
}
