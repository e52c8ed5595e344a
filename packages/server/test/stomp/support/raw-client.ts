import { type StompFrame, StompParser, type StompVersion } from '../../../src/stomp/index.js';

/** The end of the stream: the server closed the connection. */
export const CLOSED = Symbol('closed');
export type Received = StompFrame | typeof CLOSED;

/**
 * A STOMP client that speaks raw frames, over any transport: the conformance table drives it. It parses what
 * the server sends (switching header unescaping to the version CONNECTED names) and queues frames until the
 * table asks for them.
 */
export abstract class RawClient {
  private readonly queue: Received[] = [];
  private waiter: ((item: Received) => void) | undefined;
  private ended = false;
  heartbeats = 0;
  protected readonly parser = new StompParser({
    limits: { maxHeaders: 10_000, maxHeaderLineLength: 1 << 20, maxBodyBytes: 1 << 24 },
    onFrame: (frame) => {
      if (frame.command === 'CONNECTED') {
        const version = frame.headers.find(([name]) => name === 'version')?.[1];
        this.parser.setVersion((version ?? '1.0') as StompVersion);
      }
      this.push(frame);
    },
    onHeartbeat: () => {
      this.heartbeats++;
    },
  });

  abstract send(text: string): void;
  /** Drop the connection without DISCONNECT. */
  abstract drop(): void;

  /** The next frame or CLOSED, or undefined after `timeoutMs`. */
  next(timeoutMs: number): Promise<Received | undefined> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.ended) return Promise.resolve(CLOSED);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (received) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(received);
      };
    });
  }

  protected push(item: Received): void {
    if (this.ended) return;
    if (item === CLOSED) this.ended = true;
    const waiter = this.waiter;
    if (waiter !== undefined) waiter(item);
    else this.queue.push(item);
  }

  protected receive(data: string | Uint8Array): void {
    try {
      if (typeof data === 'string') this.parser.push(data);
      else this.parser.pushBytes(data);
    } catch (error) {
      this.push({ command: '(unparsable)', headers: [], body: String(error) });
    }
  }

  protected closed(): void {
    this.push(CLOSED);
  }
}
