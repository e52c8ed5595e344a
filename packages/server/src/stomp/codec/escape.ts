import { StompParseError } from './errors.js';

/**
 * How header names and values are escaped on the wire.
 * - `none`: STOMP 1.0, and CONNECT/CONNECTED in every version (so a passcode may contain a raw `:` or `\`);
 * - `1.1`: `\n`, `\c`, `\\`;
 * - `1.2`: 1.1 plus `\r`.
 * Any other backslash sequence is a fatal error in 1.1 and 1.2.
 */
export type HeaderEscaping = 'none' | '1.1' | '1.2';

export function escapingFor(version: string | undefined, command: string): HeaderEscaping {
  if (command === 'CONNECT' || command === 'CONNECTED' || command === 'STOMP') return 'none';
  if (version === '1.2') return '1.2';
  if (version === '1.1') return '1.1';
  return 'none';
}

const NEEDS_ESCAPE_12 = /[\r\n:\\]/;
const NEEDS_ESCAPE_11 = /[\n:\\]/;

export function escapeHeader(text: string, escaping: HeaderEscaping): string {
  if (escaping === 'none') {
    // 1.0 has no escapes: an EOL inside a value would end the header, so it can only be dropped.
    return text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, ' ') : text;
  }
  const pattern = escaping === '1.2' ? NEEDS_ESCAPE_12 : NEEDS_ESCAPE_11;
  if (!pattern.test(text)) return text;
  let out = '';
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === ':') out += '\\c';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r' && escaping === '1.2') out += '\\r';
    else out += ch;
  }
  return out;
}

export function unescapeHeader(text: string, escaping: HeaderEscaping): string {
  if (escaping === 'none') return text;
  let backslash = text.indexOf('\\');
  if (backslash < 0) return text;
  let out = text.slice(0, backslash);
  let i = backslash;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === 'n') out += '\n';
    else if (next === 'c') out += ':';
    else if (next === '\\') out += '\\';
    else if (next === 'r' && escaping === '1.2') out += '\r';
    else {
      const shown = next === undefined ? 'a trailing \\' : `\\${next}`;
      throw new StompParseError(
        'ERR_INVALID_ESCAPE',
        'Invalid header escape',
        `${shown} is not a STOMP ${escaping} header escape (only ${escaping === '1.2' ? '\\r ' : ''}\\n \\c \\\\ are)`,
      );
    }
    i += 2;
    backslash = text.indexOf('\\', i);
    if (backslash < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, backslash);
    i = backslash;
  }
  return out;
}
