import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBroker } from '../brokers/memory/memory-broker.js';
import { createServer } from '../index.js';
import { normalizePrefix } from '../options.js';
import { serviceCoreOf } from '../server.js';
import { hostChecked } from '../sockjs/host.js';
import { chooseStompSubprotocol } from '../stomp/negotiate.js';
import { createStompBroker, type StompBroker } from '../stomp/stomp-broker.js';
import { listenTcp, type StompTcpServer } from '../tcp/listen-tcp.js';
import { type BrokerChoice, brokerFromUrl } from './broker-url.js';
import { BROWSER_FILES, browserFiles, browserFilesBuilt, DEFAULT_BROWSER_DIR } from './browser-files.js';
import { createEchoService, ECHO_PREFIX } from './echo-service.js';
import { installSampleApp, SAMPLE_APP_SUMMARY } from './sample-app.js';
import { parseServeArgs, type ServeOptions } from './serve-args.js';
import { notFound, staticFiles } from './static-files.js';
import { UsageError } from './usage.js';

export {
  parseServeArgs,
  type QueueQuotas,
  SERVE_OPTIONS,
  SERVE_USAGE,
  type ServeOptions,
} from './serve-args.js';

export interface RunningServe {
  readonly broker: StompBroker;
  /** What `--broker` chose, e.g. `RabbitMQ STOMP relay stomp://guest@127.0.0.1:61613`. */
  readonly brokerDescription?: string;
  readonly urls: {
    readonly sockjs: string;
    readonly websocket: string;
    readonly tcp?: string;
    readonly static?: string;
    /** The SockJS echo service (`/echo`), unless `--no-echo`. */
    readonly echo?: string;
    /** @sockwire/client's `<script>` files, one URL each (served whether or not they are built). */
    readonly scripts: readonly string[];
  };
  /** Whether the SENDs to `/app/rooms/<room>/send` are handled (no `--no-sample-app`). */
  readonly sampleApp: boolean;
  close(): Promise<void>;
}

/** Start everything `sockwire serve` runs; resolves once every listener is up. */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const prefix = options.prefix ?? '/stomp';
  const withEcho = options.echo !== false;
  if (withEcho && normalizePrefix(prefix) === ECHO_PREFIX) {
    throw new UsageError(
      'serve',
      `--prefix ${prefix} is where the echo service is: choose another, or add --no-echo`,
    );
  }
  const external = await externalBroker(options);
  // The in-memory broker is made here rather than by createStompBroker, so that the quotas reach it too; the
  // STOMP broker then does not own it, and it is closed below.
  const memory =
    external === undefined && options.broker === undefined
      ? new MemoryBroker({
          ...(options.history === undefined ? {} : { history: options.history }),
          ...options.queueQuotas,
        })
      : undefined;
  const unacked = options.maxUnacked === undefined ? {} : { maxUnacked: options.maxUnacked };
  const broker =
    options.broker ??
    createStompBroker({
      ...(external?.stomp ?? (memory === undefined ? {} : { broker: memory })),
      ...unacked,
    });
  // What the STOMP service and the echo service share: who may connect, and how many.
  const access = {
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
    ...(options.sessionKeys === undefined ? {} : { sessionKeys: options.sessionKeys }),
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
    ...(options.maxSessionsPerAddress === undefined
      ? {}
      : { maxSessionsPerAddress: options.maxSessionsPerAddress }),
  };
  const sockjs = createServer({
    prefix,
    ...(external?.cluster === undefined ? {} : { cluster: external.cluster }),
    ...access,
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  const sampleApp = options.sampleApp !== false;
  if (sampleApp) installSampleApp(broker);
  // "Ready" is printed only once this node has joined its cluster: before that, a request another node hands
  // it for one of its sessions would be lost.
  try {
    await sockjs.ready;
  } catch (error) {
    sockjs.close();
    await broker.close();
    memory?.close();
    await external?.close();
    throw error;
  }
  const echo = withEcho ? createEchoService(access) : undefined;
  const services = echo === undefined ? [sockjs] : [sockjs, echo];
  const hosts = options.host === undefined ? ['127.0.0.1', '::1'] : [options.host];
  const servers: Server[] = [];
  const tcpServers: StompTcpServer[] = [];
  let port = options.port;
  let tcpPort = options.tcpPort;
  try {
    for (const [index, host] of hosts.entries()) {
      // The static files answer to the same names as the SockJS service: a rebound page could read them too.
      // The client's <script> files come first: a static file of the same name is not served.
      const files = browserFiles(
        options.browserDir ?? DEFAULT_BROWSER_DIR,
        options.staticDir === undefined ? notFound : staticFiles(options.staticDir),
      );
      const http = createHttpServer(hostChecked(serviceCoreOf(sockjs).options.allowedHosts, files));
      for (const service of services) service.installHandlers(http);
      // Without --host the second loopback is a convenience: `localhost` may resolve to either.
      const listening = await listen(http, port, host).catch((error: unknown) => {
        if (index === 0) throw error;
        return undefined;
      });
      if (listening === undefined) continue;
      servers.push(http);
      port = (http.address() as AddressInfo).port;
      if (tcpPort !== undefined) {
        const cap = options.maxTcpConnections;
        const tcp = await listenTcp({
          broker,
          port: tcpPort,
          host,
          ...(cap === undefined ? {} : { maxConnections: cap }),
        });
        tcpServers.push(tcp);
        tcpPort = tcp.port;
      }
    }
  } catch (error) {
    await stopAll(broker, services, servers, tcpServers);
    memory?.close();
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
      ...(echo === undefined ? {} : { echo: `http://${shownHost}:${port}${ECHO_PREFIX}` }),
      scripts: BROWSER_FILES.map((name) => `http://${shownHost}:${port}/${name}`),
    },
    sampleApp,
    close: async () => {
      await stopAll(broker, services, servers, tcpServers);
      memory?.close();
      await external?.close();
    },
  };
}

/** What `--broker` chose (broker-url.ts); the queue quotas apply to the in-memory broker and Redis only. */
async function externalBroker(options: ServeOptions): Promise<BrokerChoice | undefined> {
  const { brokerUrl: url, queueQuotas: quotas } = options;
  if (quotas !== undefined && options.broker !== undefined) {
    throw new TypeError(
      'sockwire serve: the queue quotas (--max-queues, ...) apply to the broker sockwire serve makes, not to one given to it',
    );
  }
  if (url === undefined) return undefined;
  return brokerFromUrl(url, options.nodeId, options.history, options.clusterSecret, quotas);
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
    ...(urls.echo === undefined ? [] : [`  echo       ${urls.echo}`]),
    ...urls.scripts.map((url, i) => `  ${i === 0 ? 'scripts   ' : '          '} ${url}`),
    ...(browserFilesBuilt(options.browserDir ?? DEFAULT_BROWSER_DIR)
      ? []
      : ['             (not built yet: run `npm run build` from the repository root)']),
    ...(running.sampleApp ? [`  sample app ${SAMPLE_APP_SUMMARY}`] : []),
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
  services: readonly { close(): void }[],
  servers: readonly Server[],
  tcpServers: readonly StompTcpServer[],
): Promise<void> {
  await broker.close();
  for (const service of services) service.close();
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
