import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import {
  CloseCode,
  CloseReason,
  encodeClose,
  encodeKeyedOpen,
  HEARTBEAT_FRAME,
  OPEN_FRAME,
} from '@sockwire/protocol';
import type { RelayedRequest } from '../cluster/session-bus.js';
import {
  type CloseInfo,
  type Connection,
  type ConnectionEvents,
  type ConnectionState,
  ReadyState,
  type TransportName,
} from '../connection.js';
import type { ResolvedOptions } from '../options.js';
import { restartTimeout } from '../timers.js';
import { newConnectionId } from './http.js';
import type { Receiver } from './receiver.js';
import type { Binding } from './session-binding.js';
import { messagesFrame, quoteOnce } from './shared-frames.js';

const ANOTHER_CONNECTION_FRAME = encodeClose(
  CloseCode.ANOTHER_CONNECTION,
  CloseReason[CloseCode.ANOTHER_CONNECTION] as string,
);

const UNBOUND: Binding = { key: null, owner: null };

const READY_STATE: Record<ConnectionState, ReadyState> = {
  connecting: ReadyState.CONNECTING,
  open: ReadyState.OPEN,
  closing: ReadyState.CLOSING,
  closed: ReadyState.CLOSED,
};

/** What a session needs from the server that owns it. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  /** The session sent its open frame: announce it to the application. */
  opened(session: Session): void;
  /** The session is finished and its id may be forgotten. */
  removed(session: Session): void;
}

/**
 * One SockJS session: the `Connection` the application sees, whatever transport carries it.
 *
 * States move forward only: connecting → open → closing → closed. Outbound messages queue here and go out
 * in one `a[...]` frame per flush (flushes are batched per microtask), through whichever receiver is attached.
 * HTTP sessions live in the server's session table between receiving requests and, once closed, stay there
 * for `disconnectDelay` to answer late requests with their close frame. WebSocket sessions are not in the
 * table: they live exactly as long as their socket.
 */
export class Session extends EventEmitter<ConnectionEvents> implements Connection {
  readonly id = newConnectionId();
  readonly transport: TransportName;
  readonly subprotocol: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly url: string;
  readonly pathname: string;
  readonly prefix: string;
  /** The SockJS session id (null for WebSocket sessions, which are not looked up by id). */
  readonly sessionId: string | null;
  /** Who may use this session (see session-binding.ts); WebSocket sessions need none: the socket is theirs. */
  readonly binding: Binding;

  private currentState: ConnectionState = 'connecting';
  private receiver: Receiver | null = null;
  private queue: string[] = [];
  private queuedBytes = 0;
  /**
   * The receiver's buffered bytes as of the last frame sent. Between frames the receiver's buffer can only
   * shrink (the OS takes bytes), so this is an upper bound that `write()` can test per message without
   * reaching into the socket; the exact figure is read only near a limit.
   */
  private receiverBuffered = 0;
  private flushScheduled = false;
  private needDrain = false;
  private closeInfo: CloseInfo | null = null;
  private closeFrame: string | null = null;
  /** Set by relaxMessageLimit; read by the WebSocket transport. */
  messageLimitRelaxed = false;
  private heartbeatTimer: unknown = null;
  /** Disconnect delay while open without a receiver; tombstone lifetime once closed. */
  private lifetimeTimer: unknown = null;
  private readonly host: SessionHost;

  constructor(
    host: SessionHost,
    init: {
      transport: TransportName;
      /** The request that opened the session (possibly relayed from another node). */
      request: RelayedRequest;
      prefix: string;
      sessionId: string | null;
      subprotocol?: string;
      binding?: Binding;
    },
  ) {
    super();
    this.host = host;
    this.transport = init.transport;
    this.sessionId = init.sessionId;
    this.binding = init.binding ?? UNBOUND;
    this.subprotocol = init.subprotocol ?? '';
    this.remoteAddress = init.request.remoteAddress;
    this.remotePort = init.request.remotePort;
    this.headers = init.request.headers;
    this.url = init.request.url;
    this.pathname = this.url.split('?', 1)[0] as string;
    this.prefix = init.prefix;
  }

  get protocol(): TransportName {
    return this.transport;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get readyState(): ReadyState {
    return READY_STATE[this.currentState];
  }

  get bufferedAmount(): number {
    return this.queuedBytes + (this.receiver?.bufferedAmount ?? 0);
  }

  /** True while this id still answers requests (open, or closed but within its tombstone period). */
  get isClosed(): boolean {
    return this.currentState === 'closed';
  }

  // ---- receivers -------------------------------------------------------------------------------

  /** A receiving request (or a WebSocket) arrived for this session. */
  attach(receiver: Receiver): void {
    if (this.currentState === 'closed') {
      receiver.sendFrame(this.closeFrame as string);
      receiver.end();
      return;
    }
    if (this.receiver !== null) {
      receiver.sendFrame(ANOTHER_CONNECTION_FRAME);
      receiver.end();
      return;
    }
    this.receiver = receiver;
    this.receiverBuffered = 0;
    // The disconnect timer stays pending (it is ignored while a receiver is attached) so that the next detach
    // restarts it instead of allocating a new one: a polling session would otherwise set and clear two
    // timers per poll.
    receiver.bind({
      onAbort: (info) => this.receiverLost(receiver, info),
      onDrain: () => this.checkDrain(),
    });
    if (this.currentState === 'connecting') {
      this.currentState = 'open';
      this.deliver(this.binding.key === null ? OPEN_FRAME : encodeKeyedOpen(this.binding.key));
      this.host.opened(this);
    }
    this.flush();
    // A receiver still waiting (a poll with nothing to carry yet, or a stream) gets heartbeats from now on.
    if (this.receiver === receiver) this.scheduleHeartbeat();
  }

  /**
   * The consumer checks message sizes itself as data arrives (the STOMP layer calls this; see
   * StompConnection.relaxMessageLimit): the WebSocket transport then hands over messages past maxMessageSize,
   * up to ws's hard cap. HTTP sends keep their 413.
   */
  relaxMessageLimit(): void {
    this.messageLimitRelaxed = true;
  }

  /** Messages from the client. */
  receive(messages: readonly string[]): void {
    for (const message of messages) {
      if (this.currentState === 'closed') return;
      this.emit('data', message);
    }
  }

  private deliver(frame: string): boolean {
    const receiver = this.receiver;
    if (receiver === null) return false;
    if (receiver.sendFrame(frame, this.needDrain)) {
      this.receiverBuffered = receiver.bufferedAmount;
      this.scheduleHeartbeat();
      return true;
    }
    this.detach(receiver);
    return false;
  }

  private detach(receiver: Receiver): void {
    if (this.receiver !== receiver) return;
    this.receiver = null;
    // The heartbeat timer is left pending: it does nothing without a receiver, and the next attach restarts it.
    if (this.currentState !== 'closed') this.restartLifetimeTimer();
  }

  private receiverLost(receiver: Receiver, info: CloseInfo | undefined): void {
    if (this.receiver !== receiver) return;
    this.receiver = null;
    this.clearHeartbeat();
    if (this.currentState === 'closed') return;
    const lost = info ?? {
      code: CloseCode.PROTOCOL_ERROR,
      reason: CloseReason[CloseCode.PROTOCOL_ERROR] as string,
      wasClean: false,
    };
    this.finish(this.currentState === 'closing' && this.closeInfo ? this.closeInfo : lost, true);
  }

  // ---- outbound --------------------------------------------------------------------------------

  write(message: string): boolean {
    if (this.currentState !== 'open') return false;
    const text = String(message);
    // The queue holds quoted messages, so a flush only joins them; a broadcast is quoted once for all.
    const quoted = quoteOnce(text);
    this.queue.push(quoted.json);
    this.queuedBytes += quoted.bytes;
    let buffered = this.queuedBytes + this.receiverBuffered;
    if (buffered >= this.host.options.highWaterMark) buffered = this.bufferedAmount;
    if (buffered > this.host.options.maxBufferedBytes) {
      this.overflow();
      return false;
    }
    if (this.receiver !== null && !this.flushScheduled) {
      this.flushScheduled = true;
      if (Session.toFlush.push(this) === 1) queueMicrotask(Session.flushAll);
    }
    if (buffered >= this.host.options.highWaterMark) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /**
   * Sessions written to in this tick. One microtask flushes them all: a broadcast to N sessions costs one
   * microtask, not N.
   */
  private static toFlush: Session[] = [];

  private static readonly flushAll = (): void => {
    const sessions = Session.toFlush;
    Session.toFlush = [];
    for (const session of sessions) {
      try {
        session.flush();
      } catch (error) {
        // An application listener threw (a 'drain' or 'close' handler): the other sessions still get
        // their frames, and the error is thrown as it would have been from a microtask of its own.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };

  private flush(): void {
    this.flushScheduled = false;
    if (this.receiver === null) return;
    if (this.queue.length > 0) {
      const frame = messagesFrame(this.queue);
      // A new array, never cleared in place: `messagesFrame` keeps the last one to compare with.
      this.queue = [];
      this.queuedBytes = 0;
      if (!this.deliver(frame)) {
        this.checkDrain();
        return;
      }
    }
    if (this.currentState === 'closing') {
      const receiver = this.receiver;
      const info = this.closeInfo as CloseInfo;
      this.receiver = null;
      receiver.sendFrame(this.closeFrame as string);
      receiver.close(info.code, info.reason);
      this.finish(info, true);
      return;
    }
    this.checkDrain();
  }

  private checkDrain(): void {
    if (
      this.needDrain &&
      this.currentState === 'open' &&
      this.bufferedAmount < this.host.options.highWaterMark
    ) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  /** The client does not read: drop what it will never get and tell it why. */
  private overflow(): void {
    this.queue = [];
    this.queuedBytes = 0;
    this.host.options.log(
      'info',
      `session ${this.id}: outbound buffer over ${this.host.options.maxBufferedBytes} bytes, closing`,
    );
    this.close(CloseCode.BUFFER_OVERFLOW, CloseReason[CloseCode.BUFFER_OVERFLOW] as string);
  }

  // ---- closing ---------------------------------------------------------------------------------

  close(code: number = CloseCode.NORMAL, reason: string = CloseReason[CloseCode.NORMAL] as string): boolean {
    if (this.currentState === 'closing' || this.currentState === 'closed') return false;
    this.currentState = 'closing';
    this.closeInfo = { code, reason, wasClean: true };
    this.closeFrame = encodeClose(code, reason);
    this.clearHeartbeat();
    // Queued messages go out first, then the close frame; without a receiver both wait for the next request.
    if (this.receiver !== null) this.flush();
    return true;
  }

  end(): void {
    this.close();
  }

  /**
   * End the transport at once with `code` and no close frame: for clients that broke the protocol, where the
   * frame could be read as a normal application close.
   */
  fail(code: number, reason: string): void {
    if (this.currentState === 'closed') return;
    const receiver = this.receiver;
    this.receiver = null;
    receiver?.close(code, reason);
    this.finish({ code, reason, wasClean: false }, true);
  }

  destroy(): void {
    if (this.currentState === 'closed') return;
    const receiver = this.receiver;
    this.receiver = null;
    receiver?.destroy();
    this.finish({ code: 1006, reason: 'Connection destroyed', wasClean: false }, true);
  }

  /** The disconnect delay passed with no receiver (or a closed session's tombstone period ended). */
  private expire(): void {
    this.lifetimeTimer = null;
    if (this.currentState === 'closed') {
      this.host.removed(this);
      return;
    }
    // A receiver came back since the timer was last restarted: the disconnect delay runs only without one.
    if (this.receiver !== null) return;
    const info = this.closeInfo ?? { code: 1006, reason: 'Session timed out', wasClean: false };
    this.finish(info, false);
  }

  /** Enter `closed` once: clear timers, tell the application, and keep a tombstone or leave. */
  private finish(info: CloseInfo, tombstone: boolean): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.closeInfo = info;
    this.closeFrame ??= encodeClose(info.code, info.reason);
    this.queue = [];
    this.queuedBytes = 0;
    this.clearHeartbeat();
    this.clearLifetimeTimer();
    if (tombstone && this.sessionId !== null) {
      this.restartLifetimeTimer();
    } else {
      this.host.removed(this);
    }
    this.emit('close', info);
  }

  /** Server shutdown: close now and forget the tombstone. */
  shutdown(code: number, reason: string): void {
    this.close(code, reason);
    if (this.currentState !== 'closed') this.finish({ code, reason, wasClean: false }, false);
    this.clearLifetimeTimer();
    this.host.removed(this);
  }

  // ---- timers ----------------------------------------------------------------------------------

  /** The heartbeat is due `heartbeatDelay` after the last frame: re-armed after every frame sent. */
  private scheduleHeartbeat(): void {
    if (this.currentState !== 'open') {
      this.clearHeartbeat();
      return;
    }
    const { timers, heartbeatDelay } = this.host.options;
    this.heartbeatTimer = restartTimeout(timers, this.heartbeatTimer, this.heartbeatDue, heartbeatDelay);
  }

  private readonly heartbeatDue = (): void => {
    this.heartbeatTimer = null;
    this.deliver(HEARTBEAT_FRAME);
  };

  private clearHeartbeat(): void {
    if (this.heartbeatTimer !== null) {
      this.host.options.timers.clearTimeout(this.heartbeatTimer);
      this.heartbeatTimer = null;
    }
  }

  /** The disconnect delay starts again from now. */
  private restartLifetimeTimer(): void {
    const { timers, disconnectDelay } = this.host.options;
    this.lifetimeTimer = restartTimeout(timers, this.lifetimeTimer, this.lifetimeDue, disconnectDelay);
  }

  private readonly lifetimeDue = (): void => this.expire();

  private clearLifetimeTimer(): void {
    if (this.lifetimeTimer !== null) {
      this.host.options.timers.clearTimeout(this.lifetimeTimer);
      this.lifetimeTimer = null;
    }
  }

  /** Timers this session holds (0, 1 or 2): lets tests prove that nothing is left behind. */
  get pendingTimers(): number {
    return (this.heartbeatTimer === null ? 0 : 1) + (this.lifetimeTimer === null ? 0 : 1);
  }
}
