import { StompParseError } from './errors.js';
import { escapingFor, type HeaderEscaping, unescapeHeader } from './escape.js';
import type { StompFrame, StompHeader, StompVersion } from './frame.js';
import { DEFAULT_LIMITS, type StompLimits } from './limits.js';
import { Utf8Stream, utf8ByteLength, utf8UnitLength } from './utf8.js';

/**
 * Where the parser is inside the stream:
 * - `idle`: between frames, where a bare EOL is a heart-beat;
 * - `head`: reading the command line and header lines, up to the blank line;
 * - `body`: reading the body, by octet count (`content-length`) or up to the NUL;
 * - `terminator`: a counted body is complete and the NUL must come next;
 * - `failed`: a fatal error was raised; the stream cannot be resynchronised, so every later push fails too.
 */
type ParserState = 'idle' | 'head' | 'body' | 'terminator' | 'failed';

export interface StompParserOptions {
  readonly limits?: StompLimits;
  /** Called for each complete frame, in order. Must not throw: the rest of the chunk would be lost. */
  readonly onFrame: (frame: StompFrame) => void;
  /** Called for each EOL between frames (a heart-beat). */
  readonly onHeartbeat?: () => void;
}

const LF = 10;
const CR = 13;
const NUL = 0;
const DIGITS = /^[0-9]{1,15}$/;

/**
 * A resumable STOMP frame parser with no I/O. Feed it transport messages as they come: several frames in one
 * message and one frame split across many (stompjs `splitLargeFrames`) both work, and the size limits are
 * enforced as the pieces arrive, so an oversized frame is rejected before it is buffered whole.
 *
 * It works on strings because SockJS and WebSocket text messages are strings; it counts UTF-8 octets itself
 * for `content-length`, so bodies are never copied into bytes. `pushBytes` is the entry for byte streams.
 */
export class StompParser {
  private readonly limits: StompLimits;
  private readonly onFrame: (frame: StompFrame) => void;
  private readonly onHeartbeat: () => void;
  private utf8: Utf8Stream | undefined;

  private state: ParserState = 'idle';
  private version: StompVersion | undefined;
  private escaping: HeaderEscaping = 'none';
  private partialLine = '';
  private command = '';
  private headers: StompHeader[] = [];
  private contentLengthText: string | undefined;
  private contentLength = -1;
  private bodyParts: string[] = [];
  private bodyChars = 0;
  private bodyOctets = 0;

  constructor(options: StompParserOptions) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.onFrame = options.onFrame;
    this.onHeartbeat = options.onHeartbeat ?? (() => {});
  }

  /**
   * The negotiated version decides header unescaping for every frame but CONNECT/CONNECTED/STOMP. Set it as
   * soon as it is known: frames already buffered after the CONNECT are parsed with it.
   */
  setVersion(version: StompVersion | undefined): void {
    this.version = version;
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /** True while part of a frame has been read and the rest is awaited. */
  get midFrame(): boolean {
    return this.state !== 'idle' && this.state !== 'failed';
  }

  pushBytes(chunk: Uint8Array): void {
    this.utf8 ??= new Utf8Stream();
    let text: string;
    try {
      text = this.utf8.decode(chunk);
    } catch (error) {
      this.fail();
      throw error;
    }
    this.push(text);
  }

  push(chunk: string): void {
    if (this.state === 'failed') {
      throw new StompParseError(
        'ERR_PARSER_FAILED',
        'Stream unusable',
        'an earlier error left the stream unusable',
      );
    }
    try {
      this.consume(chunk);
    } catch (error) {
      if (error instanceof StompParseError) this.fail();
      throw error;
    }
  }

  private consume(chunk: string): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case 'idle': {
          const code = chunk.charCodeAt(i);
          if (code === LF) {
            i++;
            this.onHeartbeat();
          } else if (code === CR || code === NUL) {
            // The CR of a CRLF heart-beat, or a stray NUL some clients send after a frame: both skipped.
            i++;
          } else {
            this.state = 'head';
          }
          break;
        }
        case 'head':
          i = this.readHeadLine(chunk, i);
          break;
        case 'body':
          i = this.contentLength >= 0 ? this.readCountedBody(chunk, i) : this.readNulTerminatedBody(chunk, i);
          break;
        case 'terminator':
          if (chunk.charCodeAt(i) !== NUL) {
            throw new StompParseError(
              'ERR_MISSING_NUL',
              'Frame not terminated',
              `content-length ${this.contentLength} does not end where the frame's NUL is`,
            );
          }
          i++;
          this.emit(this.bodyParts.length === 1 ? (this.bodyParts[0] as string) : this.bodyParts.join(''));
          break;
        case 'failed':
          return;
      }
    }
  }

  private readHeadLine(chunk: string, from: number): number {
    const max = this.limits.maxHeaderLineLength;
    const lf = chunk.indexOf('\n', from);
    if (lf < 0) {
      this.partialLine += chunk.slice(from);
      // One more than the limit allows for the CR of a CRLF still to come.
      if (this.partialLine.length > max + 1) throw this.lineTooLong();
      return chunk.length;
    }
    let line = this.partialLine.length > 0 ? this.partialLine + chunk.slice(from, lf) : chunk.slice(from, lf);
    this.partialLine = '';
    if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
    if (line.length > max) throw this.lineTooLong();
    if (this.command === '') {
      this.command = line;
      this.escaping = escapingFor(this.version, line);
    } else if (line === '') {
      this.endHead();
    } else {
      this.addHeader(line);
    }
    return lf + 1;
  }

  private addHeader(line: string): void {
    if (this.headers.length >= this.limits.maxHeaders) {
      throw new StompParseError(
        'ERR_TOO_MANY_HEADERS',
        'Too many headers',
        `a frame may carry at most ${this.limits.maxHeaders} headers`,
        'maxHeaders',
      );
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new StompParseError(
        'ERR_MALFORMED_HEADER',
        'Malformed header',
        colon === 0
          ? 'a header has an empty name'
          : `header line without a colon: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const name = unescapeHeader(line.slice(0, colon), this.escaping);
    const value = unescapeHeader(line.slice(colon + 1), this.escaping);
    if (name === 'content-length' && this.contentLengthText === undefined) this.contentLengthText = value;
    this.headers.push([name, value]);
  }

  private endHead(): void {
    const text = this.contentLengthText;
    if (text === undefined) {
      this.contentLength = -1;
      this.state = 'body';
      return;
    }
    if (!DIGITS.test(text)) {
      throw new StompParseError(
        'ERR_INVALID_CONTENT_LENGTH',
        'Invalid content-length',
        `content-length must be a number of octets, got ${JSON.stringify(text.slice(0, 40))}`,
      );
    }
    const length = Number(text);
    if (length > this.limits.maxBodyBytes) throw this.bodyTooLarge();
    this.contentLength = length;
    this.state = length === 0 ? 'terminator' : 'body';
  }

  private readCountedBody(chunk: string, from: number): number {
    const wanted = this.contentLength - this.bodyOctets;
    const n = chunk.length;
    let octets = 0;
    let j = from;
    while (j < n && octets < wanted) {
      const code = chunk.charCodeAt(j);
      octets += code < 0x80 ? 1 : utf8UnitLength(code);
      j++;
    }
    if (octets > wanted) {
      throw new StompParseError(
        'ERR_INVALID_CONTENT_LENGTH',
        'Invalid content-length',
        `content-length ${this.contentLength} ends inside a multi-octet character`,
      );
    }
    this.bodyParts.push(chunk.slice(from, j));
    this.bodyOctets += octets;
    if (this.bodyOctets === this.contentLength) this.state = 'terminator';
    return j;
  }

  private readNulTerminatedBody(chunk: string, from: number): number {
    const nul = chunk.indexOf('\0', from);
    const end = nul < 0 ? chunk.length : nul;
    if (end > from) {
      this.bodyChars += end - from;
      // A code unit is at least one octet, so this early check never rejects a body within the limit.
      if (this.bodyChars > this.limits.maxBodyBytes) throw this.bodyTooLarge();
      this.bodyParts.push(chunk.slice(from, end));
    }
    if (nul < 0) return chunk.length;
    const body = this.bodyParts.length === 1 ? (this.bodyParts[0] as string) : this.bodyParts.join('');
    // Only a body with non-ASCII text can be under the limit in code units and over it in octets.
    if (this.bodyChars * 3 > this.limits.maxBodyBytes && utf8ByteLength(body) > this.limits.maxBodyBytes) {
      throw this.bodyTooLarge();
    }
    this.emit(body);
    return nul + 1;
  }

  private emit(body: string): void {
    const frame: StompFrame = { command: this.command, headers: this.headers, body };
    this.reset();
    this.onFrame(frame);
  }

  private reset(): void {
    this.state = 'idle';
    this.partialLine = '';
    this.command = '';
    this.headers = [];
    this.contentLengthText = undefined;
    this.contentLength = -1;
    this.bodyParts = [];
    this.bodyChars = 0;
    this.bodyOctets = 0;
  }

  private fail(): void {
    this.reset();
    this.state = 'failed';
  }

  private lineTooLong(): StompParseError {
    return new StompParseError(
      'ERR_HEADER_LINE_TOO_LONG',
      'Header line too long',
      `a command or header line may be at most ${this.limits.maxHeaderLineLength} characters`,
      'maxHeaderLineLength',
    );
  }

  private bodyTooLarge(): StompParseError {
    return new StompParseError(
      'ERR_BODY_TOO_LARGE',
      'Body too large',
      `a frame body may be at most ${this.limits.maxBodyBytes} octets`,
      'maxBodyBytes',
    );
  }
}
