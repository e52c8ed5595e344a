import { encodeClose, encodeKeyedOpen, HEARTBEAT_FRAME, OPEN_FRAME } from '@sockwire/protocol';
import {
  ANOTHER_CONNECTION_CLOSE,
  BUFFER_OVERFLOW_CLOSE,
  NORMAL_CLOSE,
  PROTOCOL_ERROR_CLOSE,
} from '../connection/close-codes.js';
import { ConnectionCore } from '../connection/core.js';
import { identityOfRequest } from '../connection/identity.js';
import { CONNECTING, OPEN } from '../connection/states.js';
import type { CloseInfo, Connection, TransportName } from '../connection.js';
import type { FlushBatch } from './flush-batch.js';
import type { FrameSink } from './frame-sink.js';
import { newConnectionId } from './http.js';
import { MessageQueue } from './message-queue.js';
import type { Binding } from './session-binding.js';
import type { SessionClose, SessionHost, SessionInit } from './session-host.js';
import { SessionTimers } from './session-timers.js';

const ANOTHER_CONNECTION_FRAME = encodeClose(ANOTHER_CONNECTION_CLOSE.code, ANOTHER_CONNECTION_CLOSE.reason);

const UNBOUND: Binding = { key: null, owner: null };

/**
 * One SockJS session: the `Connection` the application sees, whatever transport carries it.
 *
 * States move forward only: connecting → open → closing → closed (the table in connection/states.ts).
 * Outbound messages queue here and go out in one `a[...]` frame per flush (flushes are batched per microtask,
 * in the owning server's batch), through whichever sink is attached. HTTP sessions live in the server's
 * session table between receiving requests and, once closed, stay there for `disconnectDelay` to answer late
 * requests with their close frame. WebSocket sessions are not in the table: they live exactly as long as
 * their socket.
 */
export class Session extends ConnectionCore<TransportName, SessionClose> implements Connection {
  /** The SockJS session id (null for WebSocket sessions, which are not looked up by id). */
  readonly sessionId: string | null;
  /** Who may use this session (see session-binding.ts); WebSocket sessions need none: the socket is theirs. */
  readonly binding: Binding;
  /** Set by relaxMessageLimit; read by the WebSocket transport. */
  messageLimitRelaxed = false;

  private sink: FrameSink | null = null;
  private readonly queued = new MessageQueue();
  /**
   * The sink's buffered bytes as of the last frame sent. Between frames the sink's buffer can only
   * shrink (the OS takes bytes), so this is an upper bound that `write()` can test per message without
   * reaching into the socket; the exact figure is read only near a limit.
   */
  private sinkBuffered = 0;
  private flushScheduled = false;
  private readonly timers: SessionTimers;
  private readonly host: SessionHost;
  private readonly flushes: FlushBatch;

  constructor(host: SessionHost, init: SessionInit) {
    const { transport, request, prefix, subprotocol = '' } = init;
    super(
      identityOfRequest(newConnectionId(), transport, request, prefix, subprotocol),
      host.options,
      CONNECTING,
    );
    this.host = host;
    this.flushes = init.flushes;
    this.sessionId = init.sessionId;
    this.binding = init.binding ?? UNBOUND;
    this.timers = new SessionTimers(
      host.options,
      () => this.deliver(HEARTBEAT_FRAME),
      () => this.expire(),
    );
  }

  get bufferedAmount(): number {
    return this.queued.bytes + (this.sink?.bufferedAmount ?? 0);
  }

  /** True while this id still answers requests (open, or closed but within its tombstone period). */
  get isClosed(): boolean {
    return this.lifecycle.state === 'closed';
  }

  /** Timers this session holds (0, 1 or 2): lets tests prove that nothing is left behind. */
  get pendingTimers(): number {
    return this.timers.pending;
  }

  // ---- sinks -------------------------------------------------------------------------------

  /** A receiving request (or a WebSocket) arrived for this session. */
  attach(sink: FrameSink): void {
    const phase = this.lifecycle.phase;
    if (phase.state === 'closed') {
      sink.sendFrame(phase.close.frame);
      sink.end();
      return;
    }
    if (this.sink !== null) {
      sink.sendFrame(ANOTHER_CONNECTION_FRAME);
      sink.end();
      return;
    }
    this.sink = sink;
    this.sinkBuffered = 0;
    // The disconnect timer stays pending (it is ignored while a sink is attached) so that the next detach
    // restarts it instead of allocating a new one: a polling session would otherwise set and clear two
    // timers per poll.
    sink.bind({
      onAbort: (info) => this.sinkLost(sink, info),
      onDrain: () => this.checkDrain(),
    });
    if (phase.state === 'connecting') {
      this.lifecycle.enter(OPEN);
      this.deliver(this.binding.key === null ? OPEN_FRAME : encodeKeyedOpen(this.binding.key));
      this.host.opened(this);
    }
    this.flush();
    // A sink still waiting (a poll with nothing to carry yet, or a stream) gets heartbeats from now on.
    if (this.sink === sink) this.scheduleHeartbeat();
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
      if (this.lifecycle.state === 'closed') return;
      this.emit('data', message);
    }
  }

  private deliver(frame: string): boolean {
    const sink = this.sink;
    if (sink === null) return false;
    if (sink.sendFrame(frame, this.buffer.drainOwed)) {
      this.sinkBuffered = sink.bufferedAmount;
      this.scheduleHeartbeat();
      return true;
    }
    this.detach(sink);
    return false;
  }

  private detach(sink: FrameSink): void {
    if (this.sink !== sink) return;
    this.sink = null;
    // The heartbeat timer is left pending: it does nothing without a sink, and the next attach restarts it.
    if (this.lifecycle.state !== 'closed') this.timers.restartLifetime();
  }

  private sinkLost(sink: FrameSink, info: CloseInfo | undefined): void {
    if (this.sink !== sink) return;
    this.sink = null;
    this.timers.clearHeartbeat();
    const phase = this.lifecycle.phase;
    if (phase.state === 'closed') return;
    if (phase.state === 'closing') this.finish(phase.close.info, true);
    else this.finish(info ?? { ...PROTOCOL_ERROR_CLOSE, wasClean: false }, true);
  }

  // ---- outbound --------------------------------------------------------------------------------

  write(message: string): boolean {
    if (this.lifecycle.state !== 'open') return false;
    let buffered = this.queued.push(String(message)) + this.sinkBuffered;
    if (buffered >= this.buffer.highWaterMark) buffered = this.bufferedAmount;
    const verdict = this.buffer.admit(buffered);
    if (verdict === 'overflow') {
      this.overflow();
      return false;
    }
    if (this.sink !== null && !this.flushScheduled) {
      this.flushScheduled = true;
      this.flushes.add(this);
    }
    return verdict === 'accepted';
  }

  /** Send what is queued now, and the close frame when closing (the server's flush batch calls this). */
  flush(): void {
    this.flushScheduled = false;
    if (this.sink === null) return;
    if (!this.queued.isEmpty) {
      if (!this.deliver(this.queued.takeFrame())) {
        this.checkDrain();
        return;
      }
    }
    const phase = this.lifecycle.phase;
    if (phase.state === 'closing') {
      const sink = this.sink;
      const { info, frame } = phase.close;
      this.sink = null;
      sink.sendFrame(frame);
      sink.close(info.code, info.reason);
      this.finish(info, true);
      return;
    }
    this.checkDrain();
  }

  /** The client does not read: drop what it will never get and tell it why. */
  private overflow(): void {
    this.queued.clear();
    this.host.options.log(
      'info',
      `session ${this.id}: outbound buffer over ${this.buffer.maxBufferedBytes} bytes, closing`,
    );
    this.close(BUFFER_OVERFLOW_CLOSE.code, BUFFER_OVERFLOW_CLOSE.reason);
  }

  // ---- closing ---------------------------------------------------------------------------------

  close(code: number = NORMAL_CLOSE.code, reason: string = NORMAL_CLOSE.reason): boolean {
    const state = this.lifecycle.state;
    if (state === 'closing' || state === 'closed') return false;
    const info = { code, reason, wasClean: true };
    this.lifecycle.enter({ state: 'closing', close: { info, frame: encodeClose(code, reason) } });
    this.timers.clearHeartbeat();
    // Queued messages go out first, then the close frame; without a sink both wait for the next request.
    if (this.sink !== null) this.flush();
    return true;
  }

  /**
   * End the transport at once with `code` and no close frame: for clients that broke the protocol, where the
   * frame could be read as a normal application close.
   */
  fail(code: number, reason: string): void {
    this.abandon({ code, reason, wasClean: false }, false);
  }

  destroy(): void {
    this.abandon({ code: 1006, reason: 'Connection destroyed', wasClean: false }, true);
  }

  /** End the sink's transport without a close frame (dropping its socket, or closing it with the code). */
  private abandon(info: CloseInfo, dropSocket: boolean): void {
    if (this.lifecycle.state === 'closed') return;
    const sink = this.sink;
    this.sink = null;
    if (dropSocket) sink?.destroy();
    else sink?.close(info.code, info.reason);
    this.finish(info, true);
  }

  /** The disconnect delay passed with no sink (or a closed session's tombstone period ended). */
  private expire(): void {
    const phase = this.lifecycle.phase;
    if (phase.state === 'closed') {
      this.host.removed(this);
      return;
    }
    // A sink came back since the timer was last restarted: the disconnect delay runs only without one.
    if (this.sink !== null) return;
    if (phase.state === 'closing') this.finish(phase.close.info, false);
    else this.finish({ code: 1006, reason: 'Session timed out', wasClean: false }, false);
  }

  /** Enter `closed` once: clear timers, tell the application, and keep a tombstone or leave. */
  private finish(info: CloseInfo, tombstone: boolean): void {
    const phase = this.lifecycle.phase;
    if (phase.state === 'closed') return;
    // A close frame already promised by close() stays the answer to late requests, whatever ended the session.
    const frame = phase.state === 'closing' ? phase.close.frame : encodeClose(info.code, info.reason);
    this.lifecycle.enter({ state: 'closed', close: { info, frame } });
    this.queued.clear();
    this.timers.clearHeartbeat();
    this.timers.clearLifetime();
    if (tombstone && this.sessionId !== null) {
      this.timers.restartLifetime();
    } else {
      this.host.removed(this);
    }
    this.emit('close', info);
  }

  /** Server shutdown: close now and forget the tombstone. */
  shutdown(code: number, reason: string): void {
    this.close(code, reason);
    if (this.lifecycle.state !== 'closed') this.finish({ code, reason, wasClean: false }, false);
    this.timers.clearLifetime();
    this.host.removed(this);
  }

  /** The heartbeat is due `heartbeatDelay` after the last frame: re-armed after every frame sent. */
  private scheduleHeartbeat(): void {
    if (this.lifecycle.state === 'open') this.timers.restartHeartbeat();
    else this.timers.clearHeartbeat();
  }
}
