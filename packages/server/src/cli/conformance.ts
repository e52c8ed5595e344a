import { createServer as createHttpServer, type Server } from 'node:http';
import type { SockwireServer } from '../server.js';
import { createServer } from '../server.js';

export interface ConformanceServer {
  readonly http: Server;
  readonly services: readonly SockwireServer[];
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The four services the public sockjs-protocol test suite expects at the top level of one HTTP server:
 * `/echo` (response limit 4096), `/disabled_websocket_echo`, `/cookie_needed_echo` and `/close` (which closes
 * every session at once with 3000 "Go away!"). Any origin is allowed: the suite sends made-up ones.
 */
export async function startConformanceServer(port: number, host = '127.0.0.1'): Promise<ConformanceServer> {
  const http = createHttpServer();
  const common = { allowedOrigins: '*' as const };
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
  for (const service of services) service.installHandlers(http);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ port, host, backlog: 4096 }, () => resolve());
  });
  const address = http.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    http,
    services,
    url: `http://${shownHost}:${actualPort}`,
    close: async () => {
      for (const service of services) service.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
