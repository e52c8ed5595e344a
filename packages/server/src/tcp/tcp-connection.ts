import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, CloseReason } from '@sockwire/protocol';
import { type CloseInfo, type ConnectionEvents, type ConnectionState, ReadyState } from '../connection.js';
import { encodeFrame } from '../stomp/codec/encoder.js';
import { Utf8Stream } from '../stomp/codec/utf8.js';
import { restartTimeout, type Timers } from '../timers.js';

export interface TcpConnectionOptions {
  /** Outbound bytes queued above which `write()` returns false. Default 64 KiB. */
  readonly highWaterMark: number;
  /** Milliseconds to wait for the peer to close after we did, before dropping the socket. Default 5000. */
  readonly closeTimeout: number;
  /**
   * Milliseconds of silence in both directions after which the connection gets ERROR `Idle timeout` and is
   * closed, unless the STOMP session negotiated heart-beats (which then watch it). 0: never. Default 300 000.
   */
  readonly idleTimeout?: number;
  readonly timers: Timers;
}

/** Five minutes: far longer than any pause of a live client that chose not to heart-beat. */
export const DEFAULT_IDLE_TIMEOUT = 5 * 60_000;

/** What the connection's `close` event reports after an idle timeout (TCP itself carries no close code). */
export const IDLE_TIMEOUT_CLOSE = { code: CloseCode.GOING_AWAY, reason: 'Idle timeout' } as const;

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
  /** Restarted by every read and write; null once heart-beats took over, or when there is no idle timeout. */
  private idleTimer: unknown = null;
  private readonly socket: Socket;
  private readonly options: TcpConnectionOptions;
  private readonly idleTimeout: number;
  private readonly utf8 = new Utf8Stream();

  constructor(socket: Socket, options: TcpConnectionOptions) {
    super();
    this.socket = socket;
    this.options = options;
    this.idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    // From the start: a client that never CONNECTs is silent too (the STOMP connect timeout usually comes first).
    if (this.idleTimeout > 0) this.touch();
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
    if (this.idleTimer !== null) this.touch();
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
    this.stopIdleTimer();
    this.closeCode = { code, reason, wasClean: true };
    this.socket.end();
    this.closeTimer = this.options.timers.setTimeout(() => this.socket.destroy(), this.options.closeTimeout);
    return true;
  }

  end(): void {
    this.close();
  }

  /**
   * The STOMP session's heart-beats. Any of them, either way, keeps data flowing or is watched by the session
   * itself (an incoming interval ends a silent client), so the idle timeout stands down; with none (`0,0`,
   * and every STOMP 1.0 session) it stays, or a quiet client would hold its session forever.
   */
  heartbeatsNegotiated(plan: { readonly outgoing: number; readonly incoming: number }): void {
    if (plan.outgoing > 0 || plan.incoming > 0) this.stopIdleTimer();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.currentState !== 'open') return;
    if (this.idleTimer !== null) this.touch();
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

  /** Activity: the idle timeout starts over (without allocating a timer, where the timers can refresh). */
  private touch(): void {
    this.idleTimer = restartTimeout(this.options.timers, this.idleTimer, this.onIdle, this.idleTimeout);
  }

  private stopIdleTimer(): void {
    if (this.idleTimer === null) return;
    this.options.timers.clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private readonly onIdle = (): void => {
    this.idleTimer = null;
    if (this.currentState !== 'open') return;
    const body =
      `nothing was sent or received for ${this.idleTimeout} ms and no heart-beats were negotiated ` +
      "(listenTcp's idleTimeout); ask for heart-beats in CONNECT to keep a quiet connection open";
    this.write(encodeFrame({ command: 'ERROR', headers: [['message', 'Idle timeout']], body }, undefined));
    this.close(IDLE_TIMEOUT_CLOSE.code, IDLE_TIMEOUT_CLOSE.reason);
  };

  private readonly onDrain = (): void => {
    if (!this.needDrain || this.currentState !== 'open') return;
    this.needDrain = false;
    this.emit('drain');
  };

  private finish(info: CloseInfo): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.stopIdleTimer();
    if (this.closeTimer !== undefined) this.options.timers.clearTimeout(this.closeTimer);
    this.emit('close', info);
  }
}
