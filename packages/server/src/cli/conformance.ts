import { createServer as createHttpServer, type Server } from 'node:http';
import { DEFAULTS, PROTOCOL_SUITE } from '../options.js';
import type { SockwireServer } from '../server.js';
import { createServer } from '../server.js';

export interface ConformanceServer {
  /** One HTTP server per listening address (both loopbacks when no host is given). */
  readonly http: readonly Server[];
  readonly services: readonly SockwireServer[];
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The four services the public sockjs-protocol test suite expects at the top level of one HTTP server:
 * `/echo` (response limit 4096), `/disabled_websocket_echo`, `/cookie_needed_echo` and `/close` (which closes
 * every session at once with 3000 "Go away!"). Any origin is allowed: the suite sends made-up ones.
 *
 * The suite predates three of the server's defaults, which these test services set back: it expects made-up
 * origins echoed with credentials and callbacks such as `c=x` (PROTOCOL_SUITE), and the iframe page, whose
 * script tag it matches without an `integrity` attribute (hence the URL given explicitly). Echo services
 * without authentication, on loopback unless told otherwise: nothing here is worth stealing.
 */
export async function startConformanceServer(port: number, host?: string): Promise<ConformanceServer> {
  const common = {
    allowedOrigins: '*' as const,
    iframe: true,
    sockjsUrl: DEFAULTS.sockjsUrl,
    [PROTOCOL_SUITE]: true,
  };
  const echo = (service: SockwireServer) =>
    service.on('connection', (connection) => {
      connection.on('data', (message) => connection.write(message));
    });
  const services = [
    echo(createServer({ ...common, prefix: '/echo', responseLimit: 4096 })),
    echo(createServer({ ...common, prefix: '/disabled_websocket_echo', websocket: false })),
    echo(createServer({ ...common, prefix: '/cookie_needed_echo', jsessionid: true })),
    createServer({ ...common, prefix: '/close' }).on('connection', (connection) => {
      connection.close(3000, 'Go away!');
    }),
  ];
  const first = await listen(services, port, host ?? '127.0.0.1');
  const address = first.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const servers = [first];
  // `localhost` may resolve to either loopback: without an explicit host, answer on both.
  if (host === undefined) {
    const second = await listen(services, actualPort, '::1').catch(() => null);
    if (second !== null) servers.push(second);
  }
  const shownHost = host === undefined ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    http: servers,
    services,
    url: `http://${shownHost}:${actualPort}`,
    close: async () => {
      for (const service of services) service.close();
      await Promise.all(
        servers.map((server) => {
          server.closeAllConnections();
          return new Promise<void>((resolve) => server.close(() => resolve()));
        }),
      );
    },
  };
}

async function listen(services: readonly SockwireServer[], port: number, host: string): Promise<Server> {
  const http = createHttpServer();
  for (const service of services) service.installHandlers(http);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ port, host, backlog: 4096 }, () => resolve());
  });
  return http;
}
