import { StompParseError } from './errors.js';

/*
 * `content-length` counts octets of UTF-8 while our transports hand us JavaScript strings (UTF-16). These
 * helpers count octets without encoding, so the parser can cut a body at the right character without
 * copying it into a byte array first.
 */

/** Octets one UTF-16 code unit stands for in UTF-8 (a surrogate is half of a 4-octet character). */
export function utf8UnitLength(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 2;
  return 3;
}

export function utf8ByteLength(text: string): number {
  let octets = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) octets += utf8UnitLength(code) - 1;
  }
  return octets;
}

/**
 * Decodes a byte stream (plain STOMP over TCP) into strings, keeping a multi-octet character that is split
 * across chunks for the next one. Invalid UTF-8 is an error rather than U+FFFD, because a replaced character
 * changes the octet count and would silently break `content-length`.
 */
export class Utf8Stream {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  decode(chunk: Uint8Array): string {
    try {
      return this.decoder.decode(chunk, { stream: true });
    } catch {
      throw new StompParseError(
        'ERR_INVALID_UTF8',
        'Invalid UTF-8',
        'the stream is not valid UTF-8; STOMP bodies are text here (binary bodies are not supported)',
      );
    }
  }
}
