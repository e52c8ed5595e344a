import type { HistoryLimits } from '../brokers/history.js';
import type { AllowedHosts, AllowedOrigins } from '../options.js';
import type { StompBroker } from '../stomp/stomp-broker.js';
import { parseFlags, UsageError } from './usage.js';

/* `sockwire serve`'s command line: its usage text, and the flags parsed into ServeOptions. */

export const SERVE_USAGE = `Usage: sockwire serve --port <n> [options]

A standalone STOMP 1.2 broker (in memory unless --broker) over SockJS, a raw WebSocket and, optionally,
plain TCP. On the same port, for a first page with no build step:
  /sockwire.min.js, /sockwire-reconnect.min.js, /sockwire-stomp.min.js
                             @sockwire/client's <script> files (window.Sockwire); always served, before
                             any --static file of the same name
  /echo                      A plain SockJS echo service: new SockJS('/echo') gets back what it sends
  SEND /app/rooms/<room>/send
                             A sample /app handler: published to /topic/rooms/<room>, body and
                             content-type kept

Options:
  --port <n>                 HTTP port (0 picks a free one); required
  --host <h>                 Address to listen on (default: both loopbacks, 127.0.0.1 and ::1)
  --prefix <path>            SockJS prefix (default /stomp; raw WebSocket at <prefix>/websocket)
  --tcp-port <n>             Also speak plain STOMP over TCP on this port (default: no TCP)
  --allowed-origins <list>   Comma-separated page origins allowed to connect, or * (default: same origin)
  --allowed-hosts <list>     Comma-separated Host names served besides localhost, 127.0.0.1 and [::1], or *
                             (default: on loopback only those; elsewhere any)
  --static <dir>             Serve files from <dir> at / (e.g. a chat page) (default: none)
  --no-echo                  Do not serve /echo (default: served)
  --no-sample-app            Do not handle /app/rooms/<room>/send (default: handled; any other /app
                             destination gets ERROR No handler either way)
  --broker <url>             redis://host:port: share topics, queues, users and SockJS sessions with the
                             other nodes of a cluster, behind any (non-sticky) load balancer (needs
                             the ioredis package beside @sockwire/server: npm install ioredis)
                             stomp://user:pass@host:61613[/vhost]: relay /topic, /queue, /exchange,
                             /amq/queue and /user to RabbitMQ's STOMP adapter (Spring's StompBrokerRelay:
                             one broker connection per client, user:pass for all of them)
                             (default: the in-memory broker of this process)
  --node-id <id>             This node's name in the cluster (default: host, pid and a random part)
  --cluster-secret <secret>  With --broker redis://: sign every message between nodes with this secret
                             (the same on every node) and drop unsigned ones; also read from the
                             SOCKWIRE_CLUSTER_SECRET environment variable, which other local users cannot
                             see in the process list. Without it (the default), anyone who can PUBLISH on
                             the Redis server is trusted as a node
  --history-size <messages>  Messages kept per topic or user destination for subscriptions that resume
                             (x-stream-offset) (default 1000; 0 turns history off); with --broker redis://
                             kept in Redis for every node (give all nodes the same); not with stomp://,
                             where history is RabbitMQ's (streams)
  --history-ttl <seconds>    How long each kept message stays (default 300; 0 turns history off)
  --max-queues <n>           Queues (/queue/...) that may exist at once; one more is refused with ERROR
                             Quota exceeded: maxQueues (default 10000; with --broker redis:// counted in
                             Redis over all nodes, as are the byte totals below)
  --max-queued-bytes <bytes> Bytes one queue holds, waiting or unacknowledged: the oldest go past it, and a
                             larger message is refused (default 8388608, 8 MiB)
  --max-total-queued-bytes <bytes>
                             Bytes all queues hold together; a SEND past it is refused (default 268435456)
  --queue-idle-ttl <seconds> How long a queue without consumers and without SENDs lasts before it is
                             dropped with its messages (default 600). Not with --broker stomp://, where
                             queues are RabbitMQ's
  --session-keys <mode>      offered (default): SockJS sessions of clients that ask (@sockwire/client) are
                             bound to a key only they hold, others are served unbound; required: clients
                             without keys (sockjs-client, Spring) are refused with 403. See SECURITY.md
  --max-sessions <n>         SockJS sessions and WebSockets held at once; more get 503 (default 100000;
                             /echo counts its own)
  --max-sessions-per-address <n>
                             The same per client address; more get 429 (default 1000; /echo counts its own)
  --max-tcp-connections <n>  STOMP connections over --tcp-port at once; more get an ERROR (default 10000)
  --max-unacked <n>          Messages a STOMP session may hold unacknowledged (ack:client): queues stop
                             handing it more, a topic past it gets an ERROR naming maxUnacked (default 1000)
  -h, --help                 Show this text
`;

/** The flags `sockwire serve` accepts (node:util parseArgs); each one is documented in SERVE_USAGE. */
export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  prefix: { type: 'string' },
  'tcp-port': { type: 'string' },
  'allowed-origins': { type: 'string' },
  'allowed-hosts': { type: 'string' },
  static: { type: 'string' },
  'no-echo': { type: 'boolean' },
  'no-sample-app': { type: 'boolean' },
  broker: { type: 'string' },
  'node-id': { type: 'string' },
  'cluster-secret': { type: 'string' },
  'history-size': { type: 'string' },
  'history-ttl': { type: 'string' },
  'max-queues': { type: 'string' },
  'max-queued-bytes': { type: 'string' },
  'max-total-queued-bytes': { type: 'string' },
  'queue-idle-ttl': { type: 'string' },
  'session-keys': { type: 'string' },
  'max-sessions': { type: 'string' },
  'max-sessions-per-address': { type: 'string' },
  'max-tcp-connections': { type: 'string' },
  'max-unacked': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ServeOptions {
  readonly port: number;
  readonly host?: string;
  readonly prefix?: string;
  readonly tcpPort?: number;
  readonly allowedOrigins?: AllowedOrigins;
  /** `--allowed-hosts`: see AllowedHosts (default `'auto'`: loopback names only on a loopback listener). */
  readonly allowedHosts?: AllowedHosts;
  readonly staticDir?: string;
  /** `--no-echo` makes it false: a SockJS echo service at `/echo` (default true). */
  readonly echo?: boolean;
  /** `--no-sample-app` makes it false: SENDs to `/app/rooms/<room>/send` go to `/topic/rooms/<room>` (default true). */
  readonly sampleApp?: boolean;
  /**
   * Where @sockwire/client's `<script>` files are (default: `browser/` beside the built CLI, dist/browser,
   * where the build copies them).
   */
  readonly browserDir?: string;
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
  /**
   * `--max-queues`, `--max-queued-bytes`, `--max-total-queued-bytes`, `--queue-idle-ttl`: the queue quotas of
   * the in-memory broker or of `--broker redis://` (the same options on both, with the same defaults); refused
   * with `--broker stomp://` and with `broker`.
   */
  readonly queueQuotas?: QueueQuotas;
  /** `--session-keys`: the SockJS server's sessionKeys option (default `'offered'`). */
  readonly sessionKeys?: 'offered' | 'required';
  /** `--max-sessions`: the SockJS server's maxSessions (default 100 000). */
  readonly maxSessions?: number;
  /** `--max-sessions-per-address`: the SockJS server's maxSessionsPerAddress (default 1 000). */
  readonly maxSessionsPerAddress?: number;
  /** `--max-tcp-connections`: listenTcp's maxConnections (default 10 000). */
  readonly maxTcpConnections?: number;
  /** `--max-unacked`: the STOMP broker's maxUnacked (default 1 000); not with `broker`. */
  readonly maxUnacked?: number;
}

/** The queue quotas `sockwire serve` can set: MemoryBrokerOptions and RedisBrokerOptions share these. */
export interface QueueQuotas {
  readonly maxQueues?: number;
  readonly maxQueuedBytes?: number;
  readonly maxTotalQueuedBytes?: number;
  readonly queueIdleTtl?: number;
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const { values } = parseFlags('serve', argv, SERVE_OPTIONS);
  const historySize = wholeNumber(values['history-size'], '--history-size', 9, HISTORY_OFF);
  const historyTtl = wholeNumber(values['history-ttl'], '--history-ttl', 9, HISTORY_OFF);
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
  const queueQuotas = definedOnly({
    maxQueues: wholeNumber(values['max-queues'], '--max-queues'),
    maxQueuedBytes: wholeNumber(values['max-queued-bytes'], '--max-queued-bytes'),
    maxTotalQueuedBytes: wholeNumber(values['max-total-queued-bytes'], '--max-total-queued-bytes'),
    queueIdleTtl: wholeNumber(values['queue-idle-ttl'], '--queue-idle-ttl'),
  });
  const sessionKeys = values['session-keys'];
  if (sessionKeys !== undefined && sessionKeys !== 'offered' && sessionKeys !== 'required') {
    throw new UsageError('serve', `--session-keys takes offered or required, got ${sessionKeys}`);
  }
  const maxSessions = positiveCount(values['max-sessions'], '--max-sessions');
  const maxSessionsPerAddress = positiveCount(
    values['max-sessions-per-address'],
    '--max-sessions-per-address',
  );
  const maxTcpConnections = positiveCount(values['max-tcp-connections'], '--max-tcp-connections');
  const maxUnacked = positiveCount(values['max-unacked'], '--max-unacked');
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
    ...(values['no-echo'] === true ? { echo: false } : {}),
    ...(values['no-sample-app'] === true ? { sampleApp: false } : {}),
    ...(values.broker === undefined ? {} : { brokerUrl: values.broker }),
    ...(values['node-id'] === undefined ? {} : { nodeId: values['node-id'] }),
    ...(clusterSecret === undefined ? {} : { clusterSecret }),
    ...(history === undefined ? {} : { history }),
    ...(queueQuotas === undefined ? {} : { queueQuotas }),
    ...(sessionKeys === undefined ? {} : { sessionKeys }),
    ...(maxSessions === undefined ? {} : { maxSessions }),
    ...(maxSessionsPerAddress === undefined ? {} : { maxSessionsPerAddress }),
    ...(maxTcpConnections === undefined ? {} : { maxTcpConnections }),
    ...(maxUnacked === undefined ? {} : { maxUnacked }),
  };
}

/** The quotas given, or undefined when no flag was (the brokers' defaults apply). */
function definedOnly(quotas: Record<keyof QueueQuotas, number | undefined>): QueueQuotas | undefined {
  const given = Object.entries(quotas).filter(([, value]) => value !== undefined);
  return given.length === 0 ? undefined : (Object.fromEntries(given) as QueueQuotas);
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
      throw new UsageError('serve', '--cluster-secret needs a non-empty secret and --broker redis://');
    }
    return flag;
  }
  const fromEnv = env['SOCKWIRE_CLUSTER_SECRET'];
  return redis && fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}

const HISTORY_OFF = ' (0 turns history off)';

/** At most `digits` digits: 15 lets a byte quota pass 1 GB (10 digits) and stays exact in a double. */
function wholeNumber(value: string | undefined, flag: string, digits = 15, note = ''): number | undefined {
  if (value === undefined) return undefined;
  if (!new RegExp(`^[0-9]{1,${digits}}$`).test(value)) {
    throw new UsageError('serve', `${flag} needs a whole number${note}, got ${value}`);
  }
  return Number(value);
}

/** A count that must be at least 1 (a cap of 0 would refuse everyone). */
function positiveCount(value: string | undefined, flag: string): number | undefined {
  const count = wholeNumber(value, flag, 9);
  if (count === 0) throw new UsageError('serve', `${flag} needs at least 1`);
  return count;
}

function portNumber(value: string | undefined, flag: string): number {
  const port = Number(value);
  if (value === undefined || !/^[0-9]+$/.test(value) || port > 65535) {
    throw new UsageError(
      'serve',
      `${flag} needs a port number from 0 to 65535${value === undefined ? '' : `, got ${value}`}`,
    );
  }
  return port;
}
