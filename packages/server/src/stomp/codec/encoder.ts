import { escapeHeader, escapingFor, type HeaderEscaping } from './escape.js';
import type { StompFrame, StompHeaders } from './frame.js';
import { utf8ByteLength } from './utf8.js';

/** The header block, one `name:value\n` per header, escaped as `escaping` requires. */
export function encodeHeaderLines(headers: StompHeaders, escaping: HeaderEscaping): string {
  let out = '';
  for (const [name, value] of headers) {
    out += `${escapeHeader(name, escaping)}:${escapeHeader(value, escaping)}\n`;
  }
  return out;
}

/**
 * `content-length` for a body, or '' for an empty one. Always sent with a body: it is what lets a body hold
 * a NUL, and the spec says frames SHOULD carry it.
 */
export function contentLengthLine(body: string): string {
  return body === '' ? '' : `content-length:${utf8ByteLength(body)}\n`;
}

/**
 * One frame as wire text. `version` picks the header escaping (none for CONNECT/CONNECTED and for 1.0). A
 * `content-length` header is added for a non-empty body unless the frame already has one.
 */
export function encodeFrame(frame: StompFrame, version: string | undefined): string {
  const escaping = escapingFor(version, frame.command);
  let head = `${frame.command}\n${encodeHeaderLines(frame.headers, escaping)}`;
  if (frame.body !== '' && !frame.headers.some((header) => header[0] === 'content-length')) {
    head += contentLengthLine(frame.body);
  }
  return `${head}\n${frame.body}\0`;
}

/** A heart-beat: one EOL between frames. */
export const HEARTBEAT = '\n';
