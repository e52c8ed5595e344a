import { EventEmitter } from 'node:events';
import type { CloseInfo, ConnectionEvents, TransportName } from '../../../src/connection.js';
import type { StompConnection } from '../../../src/stomp/index.js';

let lastId = 0;

/**
 * An in-memory Connection for unit tests: what the session writes is kept in `written`, what the test
 * "receives" is emitted as `data`, and `close()` emits `close` at once.
 */
export class FakeConnection extends EventEmitter<ConnectionEvents> implements StompConnection {
  readonly id = `fake-${++lastId}`;
  readonly transport: TransportName | 'tcp';
  readonly subprotocol: string;
  readonly remoteAddress = '127.0.0.1';
  readonly headers = { host: 'localhost' };
  readonly written: string[] = [];
  closeInfo: CloseInfo | undefined;
  /** What write() answers while open; set false to play a client that stopped reading. */
  writeResult = true;
  bufferedAmount = 0;
  /** Sees every write, for clients that read what the server sends as it is sent. */
  onWrite: ((message: string) => void) | undefined;

  constructor(options: { transport?: TransportName | 'tcp'; subprotocol?: string } = {}) {
    super();
    this.transport = options.transport ?? 'websocket';
    this.subprotocol = options.subprotocol ?? '';
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  write(message: string): boolean {
    if (this.closeInfo !== undefined) return false;
    this.written.push(message);
    this.onWrite?.(message);
    if (!this.writeResult) this.bufferedAmount += message.length;
    return this.writeResult;
  }

  close(code = 1000, reason = 'Normal closure'): boolean {
    if (this.closeInfo !== undefined) return false;
    this.finish({ code, reason, wasClean: true });
    return true;
  }

  /** The client sends one transport message. */
  receive(message: string): void {
    if (this.closeInfo === undefined) this.emit('data', message);
  }

  /** The network drops the connection. */
  drop(): void {
    if (this.closeInfo === undefined) this.finish({ code: 1006, reason: 'lost', wasClean: false });
  }

  /** The client caught up. */
  drain(): void {
    this.bufferedAmount = 0;
    this.emit('drain');
  }

  private finish(info: CloseInfo): void {
    this.closeInfo = info;
    this.emit('close', info);
  }
}
