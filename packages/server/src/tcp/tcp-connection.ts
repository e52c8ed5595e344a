import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode } from '@sockwire/protocol';
import type { BufferLimits } from '../connection/buffer.js';
import { BUFFER_OVERFLOW_CLOSE, NORMAL_CLOSE } from '../connection/close-codes.js';
import { ConnectionCore } from '../connection/core.js';
import type { ConnectionIdentity } from '../connection/identity.js';
import { OPEN } from '../connection/states.js';
import type { CloseInfo } from '../connection.js';
import { encodeFrame } from '../stomp/codec/encoder.js';
import { Utf8Stream } from '../stomp/codec/utf8.js';
import { restartTimeout, type Timers } from '../timers.js';

export interface TcpConnectionOptions extends BufferLimits {
  /** Outbound bytes queued at or above which `write()` returns false (wait for `drain`). Default 64 KiB. */
  readonly highWaterMark: number;
  /**
   * Outbound bytes queued above which the client, which is not reading, gets ERROR `Buffer overflow` and the
   * connection is closed (its `close` event reports 2012 "Buffer overflow"). Default 4 MiB.
   */
  readonly maxBufferedBytes: number;
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
 * the STOMP layer, with the same lifecycle and outbound limits (connection/core.ts). TCP has no messages, so
 * `data` carries whatever text arrived (the STOMP parser reassembles frames); it has no close codes either, so
 * the code passed to `close()` is only reported in the `close` event.
 */
export class TcpConnection extends ConnectionCore<'tcp', CloseInfo> {
  private closeTimer: unknown;
  /** Restarted by every read and write; null once heart-beats took over, or when there is no idle timeout. */
  private idleTimer: unknown = null;
  private readonly socket: Socket;
  private readonly options: TcpConnectionOptions;
  private readonly idleTimeout: number;
  private readonly utf8 = new Utf8Stream();

  constructor(socket: Socket, options: TcpConnectionOptions) {
    super(tcpIdentity(socket), options, OPEN);
    this.socket = socket;
    this.options = options;
    this.idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
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
      this.finish(hadError ? lost : ended);
    });
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  write(message: string): boolean {
    if (this.lifecycle.state !== 'open') return false;
    this.socket.write(message);
    if (this.idleTimer !== null) this.touch();
    const verdict = this.buffer.admit(this.socket.writableLength);
    if (verdict === 'overflow') {
      this.overflow();
      return false;
    }
    return verdict === 'accepted';
  }

  /** Flush what is queued, then FIN; the socket is dropped if the peer does not close within closeTimeout. */
  close(code: number = NORMAL_CLOSE.code, reason: string = NORMAL_CLOSE.reason): boolean {
    if (this.lifecycle.state !== 'open') return false;
    this.lifecycle.enter({ state: 'closing', close: { code, reason, wasClean: true } });
    this.stopIdleTimer();
    this.socket.end();
    this.closeTimer = this.options.timers.setTimeout(() => this.socket.destroy(), this.options.closeTimeout);
    return true;
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

  /**
   * The client does not read: as the SockJS transports do, tell it why behind what it has not read yet (it
   * sees the ERROR if it reads again within closeTimeout), then close. The `close` event reports 2012.
   */
  private overflow(): void {
    const { maxBufferedBytes } = this.buffer;
    const body =
      `more than ${maxBufferedBytes} bytes were waiting to be sent to this client (listenTcp's ` +
      'maxBufferedBytes): it does not read fast enough';
    this.socket.write(
      encodeFrame(
        { command: 'ERROR', headers: [['message', BUFFER_OVERFLOW_CLOSE.reason]], body },
        undefined,
      ),
    );
    this.close(BUFFER_OVERFLOW_CLOSE.code, BUFFER_OVERFLOW_CLOSE.reason);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.lifecycle.state !== 'open') return;
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
    if (this.lifecycle.state !== 'open') return;
    const body =
      `nothing was sent or received for ${this.idleTimeout} ms and no heart-beats were negotiated ` +
      "(listenTcp's idleTimeout); ask for heart-beats in CONNECT to keep a quiet connection open";
    this.write(encodeFrame({ command: 'ERROR', headers: [['message', 'Idle timeout']], body }, undefined));
    this.close(IDLE_TIMEOUT_CLOSE.code, IDLE_TIMEOUT_CLOSE.reason);
  };

  private readonly onDrain = (): void => this.checkDrain();

  /** The close reported is the one chosen by `close()`, when there was one, not how the socket then ended. */
  private finish(info: CloseInfo): void {
    const phase = this.lifecycle.phase;
    if (phase.state === 'closed') return;
    const reported = phase.state === 'closing' ? phase.close : info;
    this.lifecycle.enter({ state: 'closed', close: reported });
    this.stopIdleTimer();
    if (this.closeTimer !== undefined) this.options.timers.clearTimeout(this.closeTimer);
    this.emit('close', reported);
  }
}

function tcpIdentity(socket: Socket): ConnectionIdentity<'tcp'> {
  return {
    id: randomUUID(),
    transport: 'tcp',
    subprotocol: '',
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    headers: NO_HEADERS,
    url: '',
    pathname: '',
    prefix: '',
  };
}
