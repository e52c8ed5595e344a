import type { TransportName } from '../connection.js';
import type { Timers } from '../timers.js';
import type { FrameSink, FrameSinkEvents } from './frame-sink.js';

/**
 * Where an HTTP frame sink writes: the HTTP response, or, on the session's owner, the stand-in for a response
 * another node forwarded the request from (remote-response.ts).
 */
export interface ResponseSink {
  write(data: string | Buffer): unknown;
  end(data?: string | Buffer): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  once(event: 'close' | 'finish', listener: () => void): unknown;
}

/**
 * The last frame framed and encoded, per framing function. A broadcast hands the same frame string to every
 * session (see shared-frames.ts), so each transport's framing and UTF-8 encoding is done once
 * and one buffer is written to every response.
 */
interface Framed {
  frame: string;
  data: string;
  /** Encoded when the frame is sent a second time: a frame sent once is written as its string. */
  bytes: Buffer | null;
}

const lastFramed = new WeakMap<(frame: string) => string, Framed>();

function framed(framing: (frame: string) => string, frame: string): string | Buffer {
  const last = lastFramed.get(framing);
  if (last === undefined || last.frame !== frame) {
    const data = framing(frame);
    lastFramed.set(framing, { frame, data, bytes: null });
    return data;
  }
  last.bytes ??= Buffer.from(last.data, 'utf8');
  return last.bytes;
}

/** How long an ended response may wait for a client that does not read before its socket is dropped. */
const ABANDON_AFTER_MS = 30_000;

/**
 * A receiving HTTP request. Polling sinks carry one frame and end; streaming sinks carry frames
 * until `responseLimit` bytes (framing included, prelude excluded) and end, so that browsers can free what
 * the response accumulated. If the client goes away before we end the response, the session is told.
 */
export class HttpFrameSink implements FrameSink {
  readonly transport: TransportName;
  private readonly response: ResponseSink;
  private readonly frame: (frame: string) => string;
  /** Bytes a streaming response may carry; 0 for polling. */
  private readonly responseLimit: number;
  private readonly timers: Timers;
  /**
   * Polling responses answered here hold their head back until the one frame is known, so that it goes out
   * with a Content-Length (one write, no chunked framing) rather than chunked. Null once written, and for
   * streaming or forwarded responses (their head is already out).
   */
  private pendingHead: ((contentLength: number) => void) | null;
  private sent = 0;
  private finished = false;

  constructor(
    transport: TransportName,
    response: ResponseSink,
    frame: (frame: string) => string,
    responseLimit: number,
    timers: Timers,
    pendingHead: ((contentLength: number) => void) | null = null,
  ) {
    this.timers = timers;
    this.pendingHead = pendingHead;
    this.transport = transport;
    this.response = response;
    this.frame = frame;
    this.responseLimit = responseLimit;
  }

  get bufferedAmount(): number {
    return this.finished ? 0 : this.response.writableLength;
  }

  bind(events: FrameSinkEvents): void {
    this.response.on('close', () => {
      if (!this.finished) {
        this.finished = true;
        events.onAbort();
      }
    });
    // A poll ends with its one frame: nothing can wait for it to drain.
    if (this.responseLimit > 0) this.response.on('drain', () => events.onDrain());
  }

  sendFrame(frame: string): boolean {
    if (this.finished) return false;
    const data = framed(this.frame, frame);
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (this.responseLimit === 0) {
      this.finished = true;
      this.writeHead(bytes);
      this.response.end(data);
      return false;
    }
    this.response.write(data);
    this.sent += bytes;
    if (this.sent >= this.responseLimit) {
      this.end();
      return false;
    }
    return true;
  }

  private writeHead(contentLength: number): void {
    const head = this.pendingHead;
    if (head === null) return;
    this.pendingHead = null;
    head(contentLength);
  }

  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.writeHead(0);
    this.response.end();
    // A client that stopped reading would hold the socket (and what is buffered for it) forever.
    if (this.response.writableLength > 0) {
      const timer = this.timers.setTimeout(() => this.response.destroy(), ABANDON_AFTER_MS);
      const clear = () => this.timers.clearTimeout(timer);
      this.response.once('finish', clear);
      this.response.once('close', clear);
    }
  }

  close(): void {
    this.end();
  }

  destroy(): void {
    this.finished = true;
    this.response.destroy();
  }
}
