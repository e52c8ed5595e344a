import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@sockwire/protocol';
import type { Connection } from './connection.js';
import { normalizePrefix, resolveOptions, type ServerOptions } from './options.js';
import { NOSNIFF } from './sockjs/http.js';
import { install } from './sockjs/install.js';
import { routeRequest, routeUpgrade } from './sockjs/router.js';
import { ServiceCore, type SockjsStats } from './sockjs/service-core.js';

export type { SockjsStats } from './sockjs/service-core.js';

export interface SockwireServerEvents {
  /** A client opened a session. */
  connection: [connection: Connection];
}

export interface InstallOptions {
  /** Overrides the `prefix` given to `createServer`. */
  prefix?: string;
}

/** Each server's internals, for the package's own code and tests (see `serviceCoreOf`). */
const cores = new WeakMap<SockwireServer, ServiceCore>();

/**
 * A SockJS service: every SockJS transport under one prefix, presenting each client as one `Connection`.
 * Created by `createServer(options)`; attach it to an HTTP server with `installHandlers`.
 *
 * Only what an application uses is public; the sessions, quotas, WebSocket servers and cluster forwarding
 * live in a ServiceCore (sockjs/service-core.ts) that routes, transports and sessions talk to.
 */
export class SockwireServer extends EventEmitter<SockwireServerEvents> {
  /**
   * Resolves once the server can serve every request: at once, or with a `cluster` bus once it has joined the
   * cluster (other nodes can then hand it requests for its sessions). Rejects if the bus cannot start.
   */
  readonly ready: Promise<void>;
  readonly #core: ServiceCore;
  private readonly uninstallers: Array<() => void> = [];
  private closed = false;

  constructor(options: ServerOptions = {}) {
    super();
    this.#core = new ServiceCore(resolveOptions(options), (connection) =>
      this.emit('connection', connection),
    );
    cores.set(this, this.#core);
    this.ready = this.#core.ready;
  }

  /**
   * Serve this service from `server` under `prefix`. Other services and the application's own handlers keep
   * everything outside the prefix. May be called for several servers (e.g. HTTP and HTTPS).
   */
  installHandlers(server: HttpServer, options: InstallOptions = {}): this {
    if (this.closed) throw new Error('Sockwire: this server was closed; create a new one');
    const core = this.#core;
    if (options.prefix !== undefined) core.prefix = normalizePrefix(options.prefix);
    const prefix = core.prefix;
    this.uninstallers.push(
      install(server, {
        prefix,
        handleRequest: (request, response, path, query) => this.handleRequest(request, response, path, query),
        handleUpgrade: (request, socket, head, path) =>
          routeUpgrade(core, request, socket, head, path, prefix),
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
    routeUpgrade(this.#core, request, socket, head, path.path, this.#core.prefix);
    return true;
  }

  private pathUnderPrefix(request: IncomingMessage): { path: string; query: string } | null {
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const { prefix } = this.#core;
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
    routeRequest(this.#core, request, response, path, query);
  }

  // ---- monitoring and shutdown ------------------------------------------------------------------

  stats(): SockjsStats {
    return this.#core.stats();
  }

  /**
   * Close every connection with 1001 "Server shutting down", forget every session, and uninstall from the HTTP
   * servers (which stay up: closing them is the application's call).
   */
  close(code: number = CloseCode.GOING_AWAY, reason = 'Server shutting down'): void {
    if (this.closed) return;
    this.closed = true;
    this.#core.close(code, reason);
    for (const uninstall of this.uninstallers.splice(0)) uninstall();
  }
}

/**
 * The internals of `server`, for the package's own code (the CLI) and its tests: not exported from the
 * package entry, so never part of the public API.
 */
export function serviceCoreOf(server: SockwireServer): ServiceCore {
  const core = cores.get(server);
  if (core === undefined) throw new Error('Sockwire: not a SockwireServer');
  return core;
}

/** Create a SockJS service (sockjs-node's `createServer`). */
export function createServer(options?: ServerOptions): SockwireServer {
  return new SockwireServer(options);
}
