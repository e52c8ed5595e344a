import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { NOSNIFF } from './http.js';

/** One service installed on an HTTP server, answering under its prefix. */
export interface InstalledService {
  readonly prefix: string;
  handleRequest(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    /** The raw query string (without `?`): parsed only by the endpoints that read it. */
    query: string,
  ): void;
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, path: string): void;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;
type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Several services (each with its prefix) can share one HTTP server, alongside the application's own
 * handlers (Express, Fastify, a plain listener). The first install takes over the server's `request` and
 * `upgrade` listeners: requests under a service's prefix go to that service, the rest to the listeners that
 * were there before, untouched.
 */
class Dispatcher {
  readonly services: InstalledService[] = [];
  private readonly previousRequest: RequestListener[];
  private readonly previousUpgrade: UpgradeListener[];
  private readonly server: HttpServer;

  constructor(server: HttpServer) {
    this.server = server;
    this.previousRequest = server.listeners('request') as RequestListener[];
    this.previousUpgrade = server.listeners('upgrade') as UpgradeListener[];
    server.removeAllListeners('request');
    server.removeAllListeners('upgrade');
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgrade);
  }

  private find(url: string | undefined): { service: InstalledService; path: string; query: string } | null {
    const raw = url ?? '/';
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    for (const service of this.services) {
      const { prefix } = service;
      if (pathname === prefix || (pathname.startsWith(prefix) && pathname.charAt(prefix.length) === '/')) {
        return { service, path: pathname.slice(prefix.length), query: q < 0 ? '' : raw.slice(q + 1) };
      }
    }
    return null;
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const found = this.find(request.url);
    if (found === null) {
      for (const listener of this.previousRequest) listener.call(this.server, request, response);
      if (this.previousRequest.length === 0) {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8', [NOSNIFF[0]]: NOSNIFF[1] });
        response.end('Not found\n');
      }
      return;
    }
    // A client resetting mid-request must never become an unhandled 'error' event.
    request.on('error', ignore);
    response.on('error', ignore);
    found.service.handleRequest(request, response, found.path, found.query);
  };

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Before anything else: a reset during the handshake must not crash the process (sockjs-node's crash).
    socket.on('error', ignore);
    const found = this.find(request.url);
    if (found === null) {
      for (const listener of this.previousUpgrade) listener.call(this.server, request, socket, head);
      // Listeners added after ours also receive the event; only when nobody else listens is the socket ours.
      if (this.server.listenerCount('upgrade') === 1 && this.previousUpgrade.length === 0) socket.destroy();
      return;
    }
    found.service.handleUpgrade(request, socket, head, found.path);
  };

  remove(service: InstalledService): void {
    const index = this.services.indexOf(service);
    if (index >= 0) this.services.splice(index, 1);
    if (this.services.length > 0) return;
    this.server.off('request', this.onRequest);
    this.server.off('upgrade', this.onUpgrade);
    for (const listener of this.previousRequest) this.server.on('request', listener);
    for (const listener of this.previousUpgrade) this.server.on('upgrade', listener);
    dispatchers.delete(this.server);
  }
}

function ignore(): void {}

const dispatchers = new WeakMap<HttpServer, Dispatcher>();

/** Install a service on an HTTP server; returns the function that uninstalls it. */
export function install(server: HttpServer, service: InstalledService): () => void {
  let dispatcher = dispatchers.get(server);
  if (dispatcher === undefined) {
    dispatcher = new Dispatcher(server);
    dispatchers.set(server, dispatcher);
  }
  if (dispatcher.services.some((s) => s.prefix === service.prefix)) {
    throw new Error(
      `Sockwire: a service is already installed under the prefix ${JSON.stringify(service.prefix)}`,
    );
  }
  dispatcher.services.push(service);
  // Longest prefix first, so that `/a/b` wins over `/a`.
  dispatcher.services.sort((a, b) => b.prefix.length - a.prefix.length);
  const owner = dispatcher;
  return () => owner.remove(service);
}
