import { type StompClock, systemClock } from '../clock.js';
import { DEFAULT_LIMITS, resolveLimits, type StompLimits } from '../codec/limits.js';

export type RelayLog = (severity: 'debug' | 'info' | 'error', message: string) => void;

/** Where the external broker is and how to talk to it (Spring's `enableStompBrokerRelay` settings). */
export interface StompRelayOptions {
  /**
   * `stomp://login:passcode@host:port/vhost` (port default 61613; the path, percent-decoded, is the virtual
   * host). Sets host, port, virtualHost and both credentials; the fields below override it.
   */
  readonly url?: string;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 61613, RabbitMQ's STOMP port. */
  readonly port?: number;
  /**
   * The login and passcode of every client session's connection. Clients authenticate with this server
   * (the `authenticate` hook); whatever they put in CONNECT never reaches the broker. Default `guest`/`guest`.
   */
  readonly clientLogin?: string;
  readonly clientPasscode?: string;
  /** The credentials of the shared system connection. Default: the client ones. */
  readonly systemLogin?: string;
  readonly systemPasscode?: string;
  /** The `host` header of every CONNECT: the broker's virtual host. Default none (RabbitMQ uses `/`). */
  readonly virtualHost?: string;
  /** Heart-beats between the relay and the broker, both ways. Default 10 000 ms each (Spring's). 0 = off. */
  readonly heartbeat?: { readonly outgoing?: number; readonly incoming?: number };
  /** The broker is declared gone after `incoming × tolerance` of silence. Default 3. */
  readonly heartbeatTolerance?: number;
  /** Milliseconds to reach the broker and get CONNECTED. Default 10 000. */
  readonly connectTimeout?: number;
  /**
   * The system connection's reconnect backoff (full jitter): the n-th retry waits a random time below
   * `min(maxDelay, minDelay × factor^n)`. Defaults 1000, 30 000, 2.
   */
  readonly reconnect?: { readonly minDelay?: number; readonly maxDelay?: number; readonly factor?: number };
  /**
   * Destinations the broker does not know natively (the `/user/{name}/...` names user destinations get, or a
   * broker prefix of your own) travel through this exchange with the destination as routing key.
   * Default `amq.direct`. Clients may not name it (`/exchange/<it>/...` gets ERROR `Unknown destination`), so
   * give the relay an exchange of its own (declared beforehand, type direct) to keep `amq.direct` for clients.
   * Not `amq.topic`: every `/topic/` destination is on it, and `/topic/#` would match every user's key.
   */
  readonly directExchange?: string;
  /** Limits on frames read from the broker. Default: the STOMP defaults with 1 MiB bodies and 256 headers. */
  readonly limits?: Partial<StompLimits>;
  readonly clock?: StompClock;
  /** For the reconnect jitter. Default Math.random. */
  readonly random?: () => number;
  /** Connects, losses and refusals. Default: nothing is logged. */
  readonly log?: RelayLog;
}

export const RELAY_DEFAULTS = {
  host: '127.0.0.1',
  port: 61613,
  login: 'guest',
  passcode: 'guest',
  heartbeat: 10_000,
  heartbeatTolerance: 3,
  connectTimeout: 10_000,
  minDelay: 1000,
  maxDelay: 30_000,
  factor: 2,
  directExchange: 'amq.direct',
  limits: { ...DEFAULT_LIMITS, maxHeaders: 256, maxBodyBytes: 1024 * 1024 } as StompLimits,
} as const;

/** What `prefixes.broker` defaults to with a relay: RabbitMQ's destination kinds that make sense to clients. */
export const RELAY_BROKER_PREFIXES: readonly string[] = ['/topic', '/queue', '/exchange', '/amq/queue'];

/** One login to the broker. */
export interface RelayCredentials {
  readonly login: string;
  readonly passcode: string;
}

export interface ResolvedRelayOptions {
  readonly host: string;
  readonly port: number;
  readonly client: RelayCredentials;
  readonly system: RelayCredentials;
  readonly virtualHost: string | undefined;
  readonly heartbeat: { readonly send: number; readonly receive: number };
  readonly heartbeatTolerance: number;
  readonly connectTimeout: number;
  readonly reconnect: { readonly minDelay: number; readonly maxDelay: number; readonly factor: number };
  readonly directExchange: string;
  readonly limits: StompLimits;
  readonly clock: StompClock;
  readonly random: () => number;
  readonly log: RelayLog;
}

/** The parts of a `stomp://login:passcode@host:port/vhost` URL. */
export interface RelayUrl {
  readonly host: string;
  readonly port: number;
  readonly login?: string;
  readonly passcode?: string;
  readonly virtualHost?: string;
}

export function parseRelayUrl(text: string): RelayUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`Sockwire STOMP relay: ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'stomp:') {
    throw new TypeError(`Sockwire STOMP relay: the URL must start with stomp://, got ${url.protocol}//`);
  }
  if (url.hostname === '') throw new TypeError('Sockwire STOMP relay: the URL has no host');
  // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const path = url.pathname.replace(/^\//, '');
  return {
    host,
    port: url.port === '' ? RELAY_DEFAULTS.port : Number(url.port),
    ...(url.username === '' ? {} : { login: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { passcode: decodeURIComponent(url.password) }),
    ...(path === '' ? {} : { virtualHost: decodeURIComponent(path) }),
  };
}

/** `stomp://login@host:port/vhost`: the URL without its passcode, for logs and banners. */
export function displayRelayUrl(options: ResolvedRelayOptions): string {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const vhost = options.virtualHost === undefined ? '' : `/${encodeURIComponent(options.virtualHost)}`;
  return `stomp://${encodeURIComponent(options.client.login)}@${host}:${options.port}${vhost}`;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(`Sockwire STOMP relay: ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

export function resolveRelayOptions(options: StompRelayOptions = {}): ResolvedRelayOptions {
  const url = options.url === undefined ? undefined : parseRelayUrl(options.url);
  const port = options.port ?? url?.port ?? RELAY_DEFAULTS.port;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`Sockwire STOMP relay: port must be 1 to 65535, got ${String(port)}`);
  }
  const client = {
    login: options.clientLogin ?? url?.login ?? RELAY_DEFAULTS.login,
    passcode: options.clientPasscode ?? url?.passcode ?? RELAY_DEFAULTS.passcode,
  };
  const virtualHost = options.virtualHost ?? url?.virtualHost;
  const tolerance = positive(
    'heartbeatTolerance',
    options.heartbeatTolerance,
    RELAY_DEFAULTS.heartbeatTolerance,
  );
  if (tolerance < 1) throw new TypeError('Sockwire STOMP relay: heartbeatTolerance must be at least 1');
  const reconnect = options.reconnect ?? {};
  return {
    host: options.host ?? url?.host ?? RELAY_DEFAULTS.host,
    port,
    client,
    system: {
      login: options.systemLogin ?? client.login,
      passcode: options.systemPasscode ?? client.passcode,
    },
    virtualHost,
    heartbeat: {
      send: positive('heartbeat.outgoing', options.heartbeat?.outgoing, RELAY_DEFAULTS.heartbeat, true),
      receive: positive('heartbeat.incoming', options.heartbeat?.incoming, RELAY_DEFAULTS.heartbeat, true),
    },
    heartbeatTolerance: tolerance,
    connectTimeout: positive('connectTimeout', options.connectTimeout, RELAY_DEFAULTS.connectTimeout),
    reconnect: {
      minDelay: positive('reconnect.minDelay', reconnect.minDelay, RELAY_DEFAULTS.minDelay),
      maxDelay: positive('reconnect.maxDelay', reconnect.maxDelay, RELAY_DEFAULTS.maxDelay),
      factor: positive('reconnect.factor', reconnect.factor, RELAY_DEFAULTS.factor),
    },
    directExchange: checkedExchange(options.directExchange ?? RELAY_DEFAULTS.directExchange),
    limits: resolveLimits({ ...RELAY_DEFAULTS.limits, ...options.limits }),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    log: options.log ?? (() => {}),
  };
}

/** The direct exchange must be one clients cannot reach by another name (reserved.ts refuses its own name). */
function checkedExchange(name: string): string {
  if (name === '' || name === 'amq.topic') {
    throw new TypeError(
      `Sockwire STOMP relay: directExchange cannot be ${JSON.stringify(name)}: ${
        name === '' ? 'the default exchange routes to any queue by name' : 'clients reach it through /topic/'
      }; use amq.direct or an exchange of the relay's own`,
    );
  }
  return name;
}
