import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createSockwireServer } from '@sockwire/server';
import { CLOSE_REQUEST } from './scenarios.js';

/*
 * Echo services for the integration suites, each on an ephemeral port: sockjs-node (the reference server)
 * and, once it exists, ours. Every service echoes, and closes with 3000 "Go away!" on CLOSE_REQUEST.
 */

export interface EchoServerOptions {
  websocket?: boolean;
  jsessionid?: boolean;
  heartbeatDelay?: number;
  disconnectDelay?: number;
  responseLimit?: number;
  /** Play a proxy in front of the WebSocket upgrade: answer it 403, or swallow it and never answer. */
  upgrade?: 'refuse' | 'stall';
}

export interface EchoServer {
  /** Service URL, e.g. `http://127.0.0.1:4321/echo`. */
  readonly url: string;
  /** Stop listening and drop every connection, as a crash would. */
  stop(): Promise<void>;
  /** Listen again on the same port with a fresh service (sessions are gone). */
  start(): Promise<void>;
}

/** The parts of sockjs-node (which ships no types) that the tests use. */
interface SockjsNodeConnection {
  write(message: string): boolean;
  close(code?: number, reason?: string): boolean;
  on(event: 'data', listener: (message: string) => void): void;
}
interface SockjsNodeServer {
  on(event: 'connection', listener: (connection: SockjsNodeConnection) => void): void;
  installHandlers(server: Server, options?: { prefix: string }): void;
}
interface SockjsNodeModule {
  createServer(options: Record<string, unknown>): SockjsNodeServer;
}

export type ServiceFactory = (server: Server, options: EchoServerOptions) => void;

function echo(connection: {
  write(message: string): unknown;
  close(code?: number, reason?: string): unknown;
}): (message: string) => void {
  return (message) => {
    if (message === CLOSE_REQUEST) connection.close(3000, 'Go away!');
    else connection.write(message);
  };
}

export const sockjsNode: ServiceFactory = (server, options) => {
  const sockjs = createRequire(import.meta.url)('sockjs') as SockjsNodeModule;
  const service = sockjs.createServer({
    prefix: '/echo',
    log: () => {},
    websocket: options.websocket ?? true,
    jsessionid: options.jsessionid ?? false,
    heartbeat_delay: options.heartbeatDelay ?? 25_000,
    disconnect_delay: options.disconnectDelay ?? 5_000,
    response_limit: options.responseLimit ?? 128 * 1024,
  });
  service.on('connection', (connection) => connection.on('data', echo(connection)));
  service.installHandlers(server, { prefix: '/echo' });
};

export const sockwireServer: ServiceFactory = (server, options) => {
  const service = createSockwireServer({
    prefix: '/echo',
    websocket: options.websocket ?? true,
    jsessionid: options.jsessionid ?? false,
    heartbeatDelay: options.heartbeatDelay ?? 25_000,
    disconnectDelay: options.disconnectDelay ?? 5_000,
    responseLimit: options.responseLimit ?? 128 * 1024,
    allowedOrigins: '*',
    log: () => {},
  });
  service.on('connection', (connection) => connection.on('data', echo(connection)));
  service.installHandlers(server);
  // Sessions hold timers; a stopped server must not keep them (the sockets are gone already).
  server.on('close', () => service.close());
};

export const SERVERS: ReadonlyArray<[name: string, install: ServiceFactory]> = [
  ['sockjs-node', sockjsNode],
  ['sockwire', sockwireServer],
];

export async function startEchoServer(
  install: ServiceFactory,
  options: EchoServerOptions = {},
): Promise<EchoServer> {
  let port = 0;
  let http: Server | undefined;
  const sockets = new Set<Socket>();
  const start = async (): Promise<void> => {
    const server = createHttpServer();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    // What an application server does outside the service's prefix (sockjs-node leaves such requests hanging).
    server.on('request', (_request, response) => {
      response.writeHead(404);
      response.end();
    });
    install(server, options);
    if (options.upgrade) {
      server.removeAllListeners('upgrade');
      server.on('upgrade', (_request, socket: Socket) => {
        if (options.upgrade === 'refuse') socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      });
    }
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    http = server;
  };
  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}/echo`;
    },
    start,
    async stop() {
      const server = http;
      if (!server) return;
      http = undefined;
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
