import { createServer as createHttpServer, type Server } from 'node:http';
import { DEFAULTS, PROTOCOL_SUITE } from '../options.js';
import type { SockwireServer } from '../server.js';
import { createServer } from '../server.js';
import { parseFlags, UsageError } from './usage.js';

export const CONFORMANCE_USAGE = `Usage: sockwire conformance --port <n> [options]

The four services the public SockJS protocol test suite (sockjs-protocol) expects, at the top level of one
HTTP server: /echo (response limit 4096 bytes), /disabled_websocket_echo, /cookie_needed_echo (JSESSIONID
on) and /close (closes every session at once with 3000 "Go away!"). Any origin is allowed: test fixtures,
do not expose them.

Options:
  --port <n>                 HTTP port (0 picks a free one); required
  --host <h>                 Address to listen on (default: both loopbacks, 127.0.0.1 and ::1)
  -h, --help                 Show this text
`;

/** The flags `sockwire conformance` accepts; each one is documented in CONFORMANCE_USAGE. */
export const CONFORMANCE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `sockwire conformance ...`: start, print the URLs, and stop cleanly on SIGINT/SIGTERM. */
export async function runConformance(argv: string[]): Promise<void> {
  const { values } = parseFlags('conformance', argv, CONFORMANCE_OPTIONS);
  const server = await startConformanceServer(portNumber(values.port), values.host);
  stopOn(() => server.close());
  process.stdout.write(`sockwire conformance: SockJS test services listening on ${server.url}\n`);
  for (const name of ['echo', 'disabled_websocket_echo', 'cookie_needed_echo', 'close']) {
    process.stdout.write(`  ${server.url}/${name}\n`);
  }
}

function portNumber(value: string | undefined): number {
  const port = Number(value);
  if (value === undefined || !/^[0-9]+$/.test(value) || port > 65535) {
    throw new UsageError(
      'conformance',
      `--port needs a port number from 0 to 65535${value === undefined ? '' : `, got ${value}`}`,
    );
  }
  return port;
}

/** Stop cleanly on SIGINT/SIGTERM: close the services and the HTTP servers, then exit 0. */
function stopOn(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`sockwire: ${signal}, stopping\n`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`sockwire: error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

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
