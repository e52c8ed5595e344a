import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, CloseReason } from '@sockwire/protocol';
import { type CloseInfo, type ConnectionEvents, type ConnectionState, ReadyState } from '../connection.js';
import { encodeFrame } from '../stomp/codec/encoder.js';
import { Utf8Stream } from '../stomp/codec/utf8.js';
import type { Timers } from '../timers.js';

export interface TcpConnectionOptions {
  /** Outbound bytes queued above which `write()` returns false. Default 64 KiB. */
  readonly highWaterMark: number;
  /** Milliseconds to wait for the peer to close after we did, before dropping the socket. Default 5000. */
  readonly closeTimeout: number;
  readonly timers: Timers;
}

const NO_HEADERS: Readonly<IncomingHttpHeaders> = Object.freeze({});

/**
 * A plain TCP socket speaking STOMP, presented as a `Connection`: the same surface the SockJS transports give
 * the STOMP layer. TCP has no messages, so `data` carries whatever text arrived (the STOMP parser reassembles
 * frames); it has no close codes either, so the code passed to `close()` is only reported in the `close` event.
 */
export class TcpConnection extends EventEmitter<ConnectionEvents> {
  readonly id = randomUUID();
  readonly transport = 'tcp' as const;
  readonly subprotocol = '';
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly headers = NO_HEADERS;
  readonly url = '';
  readonly pathname = '';
  readonly prefix = '';

  private currentState: ConnectionState = 'open';
  private needDrain = false;
  private closeCode: CloseInfo | undefined;
  private closeTimer: unknown;
  private readonly socket: Socket;
  private readonly options: TcpConnectionOptions;
  private readonly utf8 = new Utf8Stream();

  constructor(socket: Socket, options: TcpConnectionOptions) {
    super();
    this.socket = socket;
    this.options = options;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('error', () => {});
    socket.on('close', (hadError) => {
      // A FIN from the peer is its way of closing cleanly; a reset or error is a lost connection.
      const lost = { code: 1006, reason: 'Connection reset', wasClean: false };
      const ended = { code: CloseCode.NORMAL, reason: 'Closed by the client', wasClean: true };
      this.finish(this.closeCode ?? (hadError ? lost : ended));
    });
  }

  get protocol(): 'tcp' {
    return this.transport;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get readyState(): ReadyState {
    if (this.currentState === 'open') return ReadyState.OPEN;
    return this.currentState === 'closing' ? ReadyState.CLOSING : ReadyState.CLOSED;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  write(message: string): boolean {
    if (this.currentState !== 'open') return false;
    this.socket.write(message);
    if (this.socket.writableLength >= this.options.highWaterMark) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Flush what is queued, then FIN; the socket is dropped if the peer does not close within closeTimeout. */
  close(code: number = CloseCode.NORMAL, reason: string = CloseReason[CloseCode.NORMAL] as string): boolean {
    if (this.currentState !== 'open') return false;
    this.currentState = 'closing';
    this.closeCode = { code, reason, wasClean: true };
    this.socket.end();
    this.closeTimer = this.options.timers.setTimeout(() => this.socket.destroy(), this.options.closeTimeout);
    return true;
  }

  end(): void {
    this.close();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.currentState !== 'open') return;
    let text: string;
    try {
      text = this.utf8.decode(chunk);
    } catch (error) {
      // Text transports could never deliver these bytes; say so the way a STOMP server says anything.
      const message = error instanceof Error ? error.message : 'invalid UTF-8';
      this.write(
        encodeFrame({ command: 'ERROR', headers: [['message', 'Invalid UTF-8']], body: message }, undefined),
      );
      this.close(CloseCode.PROTOCOL_ERROR, 'Invalid UTF-8');
      return;
    }
    if (text !== '') this.emit('data', text);
  };

  private readonly onDrain = (): void => {
    if (!this.needDrain || this.currentState !== 'open') return;
    this.needDrain = false;
    this.emit('drain');
  };

  private finish(info: CloseInfo): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    if (this.closeTimer !== undefined) this.options.timers.clearTimeout(this.closeTimer);
    this.emit('close', info);
  }
}
