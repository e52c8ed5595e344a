import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@sockwire/protocol';
import { WebSocketServer } from 'ws';
import type { RelayedRequest } from './cluster/session-bus.js';
import type { Connection, TransportName } from './connection.js';
import { normalizePrefix, type ResolvedOptions, resolveOptions, type ServerOptions } from './options.js';
import { ClusterRelay } from './sockjs/cluster-relay.js';
import { NOSNIFF, requestInfo } from './sockjs/http.js';
import { install } from './sockjs/install.js';
import { routeRequest, routeUpgrade } from './sockjs/router.js';
import type { SockjsService } from './sockjs/service.js';
import { Session, type SessionHost } from './sockjs/session.js';
import { bindNew, checkBinding, presentedBy, type Refusal } from './sockjs/session-binding.js';
import { SessionQuota } from './sockjs/session-quota.js';
import { rawWebSocketMaxPayload } from './sockjs/transports/raw-websocket.js';

export interface SockwireServerEvents {
  /** A client opened a session. */
  connection: [connection: Connection];
}

export interface InstallOptions {
  /** Overrides the `prefix` given to `createServer`. */
  prefix?: string;
}

/** Counts for monitoring (and for tests that prove nothing leaks). */
export interface SockjsStats {
  /** Open connections by transport. */
  readonly connections: Readonly<Partial<Record<TransportName, number>>>;
  /** HTTP session ids currently remembered (open sessions plus closed ones still answering with their close frame). */
  readonly sessionIds: number;
  /** Timers held by sessions. */
  readonly timers: number;
}

/**
 * A SockJS service: every SockJS transport under one prefix, presenting each client as one `Connection`.
 * Created by `createServer(options)`; attach it to an HTTP server with `installHandlers`.
 */
export class SockwireServer extends EventEmitter<SockwireServerEvents> implements SockjsService, SessionHost {
  readonly options: ResolvedOptions;
  readonly webSocketServer: WebSocketServer;
  /** The raw endpoint's (`<prefix>/websocket`), whose hard cap on messages is larger: see raw-websocket.ts. */
  readonly rawWebSocketServer: WebSocketServer;
  readonly relay: ClusterRelay | null;
  /**
   * Resolves once the server can serve every request: at once, or with a `cluster` bus once it has joined the
   * cluster (other nodes can then hand it requests for its sessions). Rejects if the bus cannot start.
   */
  readonly ready: Promise<void>;
  private readonly sessions = new Map<string, Session>();
  private readonly live = new Set<Connection>();
  /** Every session and raw WebSocket held, against maxSessions and maxSessionsPerAddress. */
  private readonly quota: SessionQuota<Connection>;
  private readonly uninstallers: Array<() => void> = [];
  private prefix: string;
  private closed = false;

  constructor(options: ServerOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.prefix = this.options.prefix;
    this.quota = new SessionQuota(this.options);
    const protocols = this.options.webSocketProtocols;
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
      maxPayload: rawWebSocketMaxPayload(this.options),
    });
    this.rawWebSocketServer = new WebSocketServer({
      ...webSocketOptions,
      maxPayload: rawWebSocketMaxPayload(this.options),
    });
    const bus = this.options.cluster;
    this.relay =
      bus === null
        ? null
        : new ClusterRelay(bus, {
            timers: this.options.timers,
            heartbeatDelay: this.options.heartbeatDelay,
            responseLimit: this.options.responseLimit,
            findSession: (id) => this.findSession(id),
            openSession: (id, transport, request) => this.openSession(id, transport, request),
            log: this.options.log,
          });
    if (bus !== null && this.relay !== null) {
      const relay = this.relay;
      this.ready = bus.start(
        (message) => relay.handle(message),
        (node) => relay.nodeLost(node),
      );
      this.ready.catch((error: unknown) => {
        this.options.log('error', `cluster bus failed to start: ${(error as Error).message}`);
      });
    } else {
      this.ready = Promise.resolve();
    }
  }

  /**
   * Serve this service from `server` under `prefix`. Other services and the application's own handlers keep
   * everything outside the prefix. May be called for several servers (e.g. HTTP and HTTPS).
   */
  installHandlers(server: HttpServer, options: InstallOptions = {}): this {
    if (this.closed) throw new Error('Sockwire: this server was closed; create a new one');
    if (options.prefix !== undefined) this.prefix = normalizePrefix(options.prefix);
    const prefix = this.prefix;
    this.uninstallers.push(
      install(server, {
        prefix,
        handleRequest: (request, response, path, query) => this.handleRequest(request, response, path, query),
        handleUpgrade: (request, socket, head, path) =>
          routeUpgrade(this, request, socket, head, path, prefix),
      }),
    );
    return this;
  }

  /** Alias of `installHandlers`. */
  attach(server: HttpServer, options: InstallOptions = {}): this {
    return this.installHandlers(server, options);
  }

  /**
   * For frameworks that route requests themselves: serve `request` if its path is under the prefix and
   * return true, or return false and leave it alone.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const path = this.pathUnderPrefix(request);
    if (path === null) return false;
    request.on('error', () => {});
    response.on('error', () => {});
    this.handleRequest(request, response, path.path, path.query);
    return true;
  }

  /** The upgrade counterpart of `handle`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = this.pathUnderPrefix(request);
    if (path === null) return false;
    socket.on('error', () => {});
    routeUpgrade(this, request, socket, head, path.path, this.prefix);
    return true;
  }

  private pathUnderPrefix(request: IncomingMessage): { path: string; query: string } | null {
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const { prefix } = this;
    if (pathname !== prefix && !(pathname.startsWith(prefix) && pathname.charAt(prefix.length) === '/'))
      return null;
    return { path: pathname.slice(prefix.length), query: q < 0 ? '' : url.slice(q + 1) };
  }

  private handleRequest(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: string,
  ): void {
    // Here rather than in each handler: every response of the service carries it, whatever path wrote it.
    response.setHeader(NOSNIFF[0], NOSNIFF[1]);
    if (this.closed) {
      response.writeHead(503, { 'Content-Type': 'text/plain; charset=UTF-8', Connection: 'close' });
      response.end('Sockwire: server is shutting down\n');
      return;
    }
    routeRequest(this, request, response, path, query);
  }

  // ---- SockjsService / SessionHost --------------------------------------------------------------

  /**
   * The session a receiving request is for: the existing one if the request may use it, else a new one bound
   * as the request asks (session-binding.ts), if the quotas allow; otherwise the refusal to answer.
   */
  openSession(sessionId: string, transport: TransportName, request: RelayedRequest): Session | Refusal {
    const presented = presentedBy(this.options, request);
    const existing = this.sessions.get(sessionId);
    if (existing !== undefined) return checkBinding(existing.binding, presented) ?? existing;
    const binding = bindNew(this.options, presented);
    if ('status' in binding) return binding;
    const address = this.options.clientAddress(request);
    const full = this.quota.refusal(address);
    if (full !== null) return full;
    const session = new Session(this, { transport, request, prefix: this.prefix, sessionId, binding });
    this.sessions.set(sessionId, session);
    this.quota.hold(session, address);
    return session;
  }

  findSession(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  /** Null when a WebSocket from this request fits the session quotas; the refusal otherwise. */
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
    this.emit('connection', connection);
  }

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
    return { connections, sessionIds: this.sessions.size, timers };
  }

  /**
   * Close every connection with 1001 "Server shutting down", forget every session, and uninstall from the HTTP
   * servers (which stay up: closing them is the application's call).
   */
  close(code: number = CloseCode.GOING_AWAY, reason = 'Server shutting down'): void {
    if (this.closed) return;
    this.closed = true;
    for (const connection of [...this.live]) {
      if (connection instanceof Session) connection.shutdown(code, reason);
      else connection.close(code, reason);
    }
    for (const session of [...this.sessions.values()]) session.shutdown(code, reason);
    this.sessions.clear();
    for (const uninstall of this.uninstallers.splice(0)) uninstall();
    this.webSocketServer.close();
    this.rawWebSocketServer.close();
    this.relay?.close();
    this.options.cluster?.close().catch((error: unknown) => {
      this.options.log('error', `cluster bus failed to close: ${(error as Error).message}`);
    });
  }
}

/** Create a SockJS service (sockjs-node's `createServer`). */
export function createServer(options?: ServerOptions): SockwireServer {
  return new SockwireServer(options);
}
