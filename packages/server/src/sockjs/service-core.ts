import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import type { ForwardedRequest } from '../cluster/session-bus.js';
import type { Connection, TransportName } from '../connection.js';
import type { ResolvedOptions } from '../options.js';
import { FlushBatch } from './flush-batch.js';
import { requestInfo } from './http.js';
import type { SockjsService } from './service.js';
import { Session } from './session.js';
import { bindNew, checkBinding, presentedBy, type Refusal } from './session-binding.js';
import { SessionForwarder } from './session-forwarding.js';
import type { SessionHost } from './session-host.js';
import { SessionQuota } from './session-quota.js';
import { rawWebSocketMaxPayload } from './transports/raw-websocket.js';

/** Counts for monitoring (and for tests that prove nothing leaks). */
export interface SockjsStats {
  /** Open connections by transport. */
  readonly connections: Readonly<Partial<Record<TransportName, number>>>;
  /** HTTP session ids currently remembered (open sessions plus closed ones still answering with their close frame). */
  readonly sessionIds: number;
  /** Timers held by sessions. */
  readonly timers: number;
  /**
   * Requests forwarded between this node and the others in flight (with a `cluster` bus; 0 without): receiving
   * requests and sends this node forwarded to a session's owner, and those it serves for other nodes.
   */
  readonly forwardedRequests: number;
}

/**
 * Everything behind a `SockwireServer`'s public face: the session table, the quotas, the WebSocket servers and
 * the cluster forwarding. Routes and transports reach it as a SockjsService, sessions as their SessionHost;
 * users never see it (the server keeps it in a private field).
 */
export class ServiceCore implements SockjsService, SessionHost {
  readonly options: ResolvedOptions;
  readonly webSocketServer: WebSocketServer;
  /** The raw endpoint's (`<prefix>/websocket`), whose hard cap on messages is larger: see raw-websocket.ts. */
  readonly rawWebSocketServer: WebSocketServer;
  readonly forwarder: SessionForwarder | null;
  /** Resolves once the service can serve every request: at once, or once the `cluster` bus has started. */
  readonly ready: Promise<void>;
  /** Where new sessions say they live: `installHandlers` may move it. */
  prefix: string;
  private readonly sessions = new Map<string, Session>();
  private readonly live = new Set<Connection>();
  /** Every session and raw WebSocket held, against maxSessions and maxSessionsPerAddress. */
  private readonly quota: SessionQuota<Connection>;
  /** This service's sessions written to in the current tick (flushed together: see flush-batch.ts). */
  private readonly flushes = new FlushBatch();
  /** Tells the application (the server's `connection` event). */
  private readonly emitConnection: (connection: Connection) => void;

  constructor(options: ResolvedOptions, emitConnection: (connection: Connection) => void) {
    this.options = options;
    this.prefix = options.prefix;
    this.emitConnection = emitConnection;
    this.quota = new SessionQuota(options);
    const protocols = options.webSocketProtocols;
    const webSocketOptions = {
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols:
        typeof protocols === 'function'
          ? (offered: Set<string>, request: IncomingMessage) => protocols(offered, request)
          : (offered: Set<string>) => protocols.find((p) => offered.has(p)) ?? false,
    };
    this.webSocketServer = new WebSocketServer({
      ...webSocketOptions,
      maxPayload: rawWebSocketMaxPayload(options),
    });
    this.rawWebSocketServer = new WebSocketServer({
      ...webSocketOptions,
      maxPayload: rawWebSocketMaxPayload(options),
    });
    const bus = options.cluster;
    if (bus === null) {
      this.forwarder = null;
      this.ready = Promise.resolve();
      return;
    }
    const forwarder = new SessionForwarder(bus, {
      timers: options.timers,
      heartbeatDelay: options.heartbeatDelay,
      responseLimit: options.responseLimit,
      findSession: (id) => this.findSession(id),
      openSession: (id, transport, request) => this.openSession(id, transport, request),
      log: options.log,
    });
    this.forwarder = forwarder;
    this.ready = bus.start(
      (message) => forwarder.handle(message),
      (node) => forwarder.nodeLost(node),
    );
    this.ready.catch((error: unknown) => {
      options.log(
        'error',
        `cluster bus failed to start: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  // ---- SockjsService ----------------------------------------------------------------------------

  /**
   * The session a receiving request is for: the existing one if the request may use it, else a new one bound
   * as the request asks (session-binding.ts), if the quotas allow; otherwise the refusal to answer.
   */
  openSession(sessionId: string, transport: TransportName, request: ForwardedRequest): Session | Refusal {
    const presented = presentedBy(this.options, request);
    const existing = this.sessions.get(sessionId);
    if (existing !== undefined) return checkBinding(existing.binding, presented) ?? existing;
    const binding = bindNew(this.options, presented);
    if ('status' in binding) return binding;
    const address = this.options.clientAddress(request);
    const full = this.quota.refusal(address);
    if (full !== null) return full;
    const session = new Session(this, {
      transport,
      request,
      prefix: this.prefix,
      sessionId,
      binding,
      flushes: this.flushes,
    });
    this.sessions.set(sessionId, session);
    this.quota.hold(session, address);
    return session;
  }

  findSession(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  admitUpgrade(request: IncomingMessage): Refusal | null {
    return this.quota.refusal(this.options.clientAddress(requestInfo(request)));
  }

  createDetachedSession(transport: TransportName, request: IncomingMessage, subprotocol: string): Session {
    const info = requestInfo(request);
    const session = new Session(this, {
      transport,
      request: info,
      prefix: this.prefix,
      sessionId: null,
      subprotocol,
      flushes: this.flushes,
    });
    this.quota.hold(session, this.options.clientAddress(info));
    return session;
  }

  announce(connection: Connection): void {
    this.live.add(connection);
    if (!(connection instanceof Session)) {
      // A raw WebSocket: held here (sessions are held from their creation, released in `removed`).
      this.quota.hold(connection, this.options.clientAddress(connection));
    }
    connection.once('close', () => {
      this.live.delete(connection);
      if (!(connection instanceof Session)) this.quota.release(connection);
    });
    this.emitConnection(connection);
  }

  // ---- SessionHost ------------------------------------------------------------------------------

  opened(session: Session): void {
    this.announce(session);
  }

  removed(session: Session): void {
    this.quota.release(session);
    if (session.sessionId !== null && this.sessions.get(session.sessionId) === session) {
      this.sessions.delete(session.sessionId);
      this.options.cluster?.release(session.sessionId);
    }
  }

  // ---- monitoring and shutdown ------------------------------------------------------------------

  stats(): SockjsStats {
    const connections: Partial<Record<TransportName, number>> = {};
    for (const connection of this.live) {
      connections[connection.transport] = (connections[connection.transport] ?? 0) + 1;
    }
    let timers = 0;
    for (const session of this.sessions.values()) timers += session.pendingTimers;
    // HTTP sessions are in both collections; only WebSocket sessions (no id) are missing from the table.
    for (const connection of this.live) {
      if (connection instanceof Session && connection.sessionId === null) timers += connection.pendingTimers;
    }
    const forwardedRequests = this.forwarder?.pending ?? 0;
    return { connections, sessionIds: this.sessions.size, timers, forwardedRequests };
  }

  /** Close every connection, forget every session, and stop the WebSocket servers and the cluster bus. */
  close(code: number, reason: string): void {
    for (const connection of [...this.live]) {
      if (connection instanceof Session) connection.shutdown(code, reason);
      else connection.close(code, reason);
    }
    for (const session of [...this.sessions.values()]) session.shutdown(code, reason);
    this.sessions.clear();
    this.webSocketServer.close();
    this.rawWebSocketServer.close();
    this.forwarder?.close();
    this.options.cluster?.close().catch((error: unknown) => {
      this.options.log(
        'error',
        `cluster bus failed to close: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
}
