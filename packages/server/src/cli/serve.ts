import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { HistoryLimits } from '../brokers/history.js';
import { createServer } from '../index.js';
import type { AllowedHosts, AllowedOrigins } from '../options.js';
import { hostChecked } from '../sockjs/host.js';
import { chooseStompSubprotocol } from '../stomp/negotiate.js';
import { createStompBroker, type StompBroker } from '../stomp/stomp-broker.js';
import { listenTcp, type StompTcpServer } from '../tcp/listen-tcp.js';
import { brokerFromUrl } from './broker-url.js';

export const SERVE_USAGE = `Usage: sockwire serve --port <n> [options]

A standalone STOMP 1.2 broker (in memory unless --broker) over SockJS, a raw WebSocket and, optionally,
plain TCP.

Options:
  --port <n>                 HTTP port (0 picks a free one)
  --host <h>                 Address to listen on (default: both loopbacks, 127.0.0.1 and ::1)
  --prefix <path>            SockJS prefix (default /stomp; raw WebSocket at <prefix>/websocket)
  --tcp-port <n>             Also speak plain STOMP over TCP on this port
  --allowed-origins <list>   Comma-separated page origins allowed to connect, or * (default: same origin)
  --allowed-hosts <list>     Comma-separated Host names served besides localhost, 127.0.0.1 and [::1], or *
                             (default: on loopback only those; elsewhere any)
  --static <dir>             Serve files from <dir> at / (e.g. a chat page)
  --broker <url>             redis://host:port: share topics, queues, users and SockJS sessions with the
                             other nodes of a cluster, behind any (non-sticky) load balancer
                             stomp://user:pass@host:61613[/vhost]: relay /topic, /queue, /exchange,
                             /amq/queue and /user to RabbitMQ's STOMP adapter (Spring's StompBrokerRelay:
                             one broker connection per client, user:pass for all of them)
  --node-id <id>             This node's name in the cluster (default: host, pid and a random part)
  --cluster-secret <secret>  With --broker redis://: sign every message between nodes with this secret
                             (the same on every node) and drop unsigned ones; also read from the
                             SOCKWIRE_CLUSTER_SECRET environment variable, which other local users cannot
                             see in the process list. Without it, anyone who can PUBLISH on the Redis
                             server is trusted as a node
  --history-size <messages>  Messages kept per topic or user destination for subscriptions that resume
                             (x-stream-offset) (default 1000; 0 turns history off); with --broker redis://
                             kept in Redis for every node (give all nodes the same); not with stomp://,
                             where history is RabbitMQ's (streams)
  --history-ttl <seconds>    How long each kept message stays (default 300; 0 turns history off)
`;

export interface ServeOptions {
  readonly port: number;
  readonly host?: string;
  readonly prefix?: string;
  readonly tcpPort?: number;
  readonly allowedOrigins?: AllowedOrigins;
  /** `--allowed-hosts`: see AllowedHosts (default `'auto'`: loopback names only on a loopback listener). */
  readonly allowedHosts?: AllowedHosts;
  readonly staticDir?: string;
  /** The broker to serve; default a new in-memory one. */
  readonly broker?: StompBroker;
  /** `--broker redis://...`: share messages and sessions with other nodes (see broker-url.ts). */
  readonly brokerUrl?: string;
  /** `--node-id`: this node's name in a cluster (default: host, pid and a random part). */
  readonly nodeId?: string;
  /** `--cluster-secret` or SOCKWIRE_CLUSTER_SECRET: signs the session bus's messages (redis:// only). */
  readonly clusterSecret?: string;
  /**
   * `--history-size` / `--history-ttl`: history limits of the in-memory broker or of `--broker redis://`
   * (HISTORY_DEFAULTS otherwise); refused with `--broker stomp://` (see broker-url.ts).
   */
  readonly history?: HistoryLimits;
}

export interface RunningServe {
  readonly broker: StompBroker;
  /** What `--broker` chose, e.g. `RabbitMQ STOMP relay stomp://guest@127.0.0.1:61613`. */
  readonly brokerDescription?: string;
  readonly urls: {
    readonly sockjs: string;
    readonly websocket: string;
    readonly tcp?: string;
    readonly static?: string;
  };
  close(): Promise<void>;
}

/** Start everything `sockwire serve` runs; resolves once every listener is up. */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const prefix = options.prefix ?? '/stomp';
  const external =
    options.brokerUrl === undefined
      ? undefined
      : await brokerFromUrl(options.brokerUrl, options.nodeId, options.history, options.clusterSecret);
  const broker =
    options.broker ??
    createStompBroker(external?.stomp ?? (options.history === undefined ? {} : { history: options.history }));
  const sockjs = createServer({
    prefix,
    ...(external?.cluster === undefined ? {} : { cluster: external.cluster }),
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  // "Ready" is printed only once this node has joined its cluster: before that, a request another node hands
  // it for one of its sessions would be lost.
  try {
    await sockjs.ready;
  } catch (error) {
    sockjs.close();
    await broker.close();
    await external?.close();
    throw error;
  }
  const hosts = options.host === undefined ? ['127.0.0.1', '::1'] : [options.host];
  const servers: Server[] = [];
  const tcpServers: StompTcpServer[] = [];
  let port = options.port;
  let tcpPort = options.tcpPort;
  try {
    for (const [index, host] of hosts.entries()) {
      // The static files answer to the same names as the SockJS service: a rebound page could read them too.
      const files = options.staticDir === undefined ? notFound : staticFiles(options.staticDir);
      const http = createHttpServer(hostChecked(sockjs.options.allowedHosts, files));
      sockjs.installHandlers(http);
      // Without --host the second loopback is a convenience: `localhost` may resolve to either.
      const listening = await listen(http, port, host).catch((error: unknown) => {
        if (index === 0) throw error;
        return undefined;
      });
      if (listening === undefined) continue;
      servers.push(http);
      port = (http.address() as AddressInfo).port;
      if (tcpPort !== undefined) {
        const tcp = await listenTcp({ broker, port: tcpPort, host });
        tcpServers.push(tcp);
        tcpPort = tcp.port;
      }
    }
  } catch (error) {
    await stopAll(broker, sockjs, servers, tcpServers);
    await external?.close();
    throw error;
  }
  const shownHost = hostForUrl(options.host === undefined ? 'localhost' : options.host);
  return {
    broker,
    ...(external === undefined ? {} : { brokerDescription: external.description }),
    urls: {
      sockjs: `http://${shownHost}:${port}${prefix}`,
      websocket: `ws://${shownHost}:${port}${prefix}/websocket`,
      ...(tcpPort === undefined ? {} : { tcp: `tcp://${shownHost}:${tcpPort}` }),
      ...(options.staticDir === undefined ? {} : { static: `http://${shownHost}:${port}/` }),
    },
    close: async () => {
      await stopAll(broker, sockjs, servers, tcpServers);
      await external?.close();
    },
  };
}

/** `sockwire serve ...`: start, print the URLs, and stop cleanly on SIGINT/SIGTERM. */
export async function runServe(argv: string[]): Promise<void> {
  const options = parseServeArgs(argv);
  const running = await startServe(options);
  const { urls } = running;
  const lines = [
    'sockwire serve: STOMP broker ready',
    `  SockJS     ${urls.sockjs}`,
    `  WebSocket  ${urls.websocket}`,
    ...(urls.tcp === undefined ? [] : [`  TCP        ${urls.tcp}`]),
    ...(urls.static === undefined ? [] : [`  static     ${urls.static} (${options.staticDir})`]),
    ...(running.brokerDescription === undefined ? [] : [`  broker     ${running.brokerDescription}`]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`sockwire serve: ${signal}, stopping\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`sockwire serve: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      prefix: { type: 'string' },
      'tcp-port': { type: 'string' },
      'allowed-origins': { type: 'string' },
      'allowed-hosts': { type: 'string' },
      static: { type: 'string' },
      broker: { type: 'string' },
      'node-id': { type: 'string' },
      'cluster-secret': { type: 'string' },
      'history-size': { type: 'string' },
      'history-ttl': { type: 'string' },
    },
  });
  const historySize = wholeNumber(values['history-size'], '--history-size');
  const historyTtl = wholeNumber(values['history-ttl'], '--history-ttl');
  const history =
    historySize === undefined && historyTtl === undefined
      ? undefined
      : {
          ...(historySize === undefined ? {} : { size: historySize }),
          ...(historyTtl === undefined ? {} : { ttl: historyTtl }),
        };
  const origins = values['allowed-origins'];
  const hosts = values['allowed-hosts'];
  const clusterSecret = clusterSecretFrom(values['cluster-secret'], values.broker, env);
  return {
    port: portNumber(values.port, '--port'),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    ...(values['tcp-port'] === undefined ? {} : { tcpPort: portNumber(values['tcp-port'], '--tcp-port') }),
    ...(origins === undefined
      ? {}
      : { allowedOrigins: origins === '*' ? '*' : origins.split(',').map((o) => o.trim()) }),
    ...(hosts === undefined
      ? {}
      : { allowedHosts: hosts === '*' ? '*' : hosts.split(',').map((h) => h.trim()) }),
    ...(values.static === undefined ? {} : { staticDir: values.static }),
    ...(values.broker === undefined ? {} : { brokerUrl: values.broker }),
    ...(values['node-id'] === undefined ? {} : { nodeId: values['node-id'] }),
    ...(clusterSecret === undefined ? {} : { clusterSecret }),
    ...(history === undefined ? {} : { history }),
  };
}

/**
 * The flag wins over the environment. The variable applies only to a Redis broker, so that one exported for
 * a whole environment does not stop other `sockwire serve` runs; an empty one counts as unset (templated
 * environments leave empty values), while an empty flag is a mistake worth saying so.
 */
function clusterSecretFrom(
  flag: string | undefined,
  broker: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const redis = broker !== undefined && /^rediss?:/i.test(broker);
  if (flag !== undefined) {
    if (flag === '' || !redis) {
      throw new TypeError(
        `sockwire serve: --cluster-secret needs a non-empty secret and --broker redis://\n\n${SERVE_USAGE}`,
      );
    }
    return flag;
  }
  const fromEnv = env['SOCKWIRE_CLUSTER_SECRET'];
  return redis && fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value)) {
    throw new TypeError(
      `sockwire serve: ${flag} needs a whole number (0 turns history off), got ${value}\n\n${SERVE_USAGE}`,
    );
  }
  return Number(value);
}

function portNumber(value: string | undefined, flag: string): number {
  const port = Number(value);
  if (value === undefined || !/^[0-9]+$/.test(value) || port > 65535) {
    throw new TypeError(
      `sockwire serve: ${flag} needs a port number from 0 to 65535${value === undefined ? '' : `, got ${value}`}\n\n${SERVE_USAGE}`,
    );
  }
  return port;
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolveListen(server);
    });
  });
}

async function stopAll(
  broker: StompBroker,
  sockjs: { close(): void },
  servers: readonly Server[],
  tcpServers: readonly StompTcpServer[],
): Promise<void> {
  await broker.close();
  sockjs.close();
  await Promise.all([
    ...tcpServers.map((tcp) => tcp.close()),
    ...servers.map(
      (server) =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
    ),
  ]);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function notFound(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' });
  response.end('Not found\n');
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=UTF-8',
  '.js': 'text/javascript; charset=UTF-8',
  '.mjs': 'text/javascript; charset=UTF-8',
  '.css': 'text/css; charset=UTF-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=UTF-8',
};

/** GET/HEAD of files under `dir` (index.html for directories); nothing outside it is reachable. */
function staticFiles(dir: string): (request: IncomingMessage, response: ServerResponse) => void {
  const root = resolve(dir);
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' });
      response.end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    } catch {
      notFound(request, response);
      return;
    }
    let file = resolve(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) {
      notFound(request, response);
      return;
    }
    stat(file)
      .then(async (info) => {
        if (info.isDirectory()) {
          file = join(file, 'index.html');
          info = await stat(file);
        }
        if (!info.isFile()) throw new Error('not a file');
        response.writeHead(200, {
          'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Length': info.size,
          'Cache-Control': 'no-cache',
        });
        if (request.method === 'HEAD') response.end();
        else createReadStream(file).pipe(response);
      })
      .catch(() => notFound(request, response));
  };
}
