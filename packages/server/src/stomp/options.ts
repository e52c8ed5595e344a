import { CloseCode } from '@sockwire/protocol';
import type { MessageBroker } from '../brokers/broker.js';
import type { DedupeOptions } from '../brokers/dedupe.js';
import type { HistoryOptions } from '../brokers/history.js';
import { type StompClock, systemClock } from './clock.js';
import { STOMP_VERSIONS, type StompVersion } from './codec/frame.js';
import { resolveLimits, type StompLimits } from './codec/limits.js';
import type { DestinationPrefixes } from './destinations.js';
import { RELAY_BROKER_PREFIXES } from './relay/options.js';
import type { StompRelay } from './relay/relay.js';
import type { Authenticate, Authorize, InboundInterceptor, OutboundInterceptor } from './types.js';

export interface StompBrokerOptions {
  /** Where messages go. Default: a new in-memory broker, closed with this one. */
  readonly broker?: MessageBroker;
  /**
   * History of the default in-memory broker, for subscriptions that resume with `x-stream-offset`
   * (MemoryBrokerOptions.history): `{ size, ttl, rules, maxDestinations, maxBytes }` or `false`. Defaults:
   * 1000 messages and 300 s per topic or user destination. Not with `broker` or `relay` (configure those).
   */
  readonly history?: HistoryOptions | false;
  /**
   * Deduplication of SENDs that carry `x-idempotency-key` (the SDK's `send()` sets it): a repeat within
   * `window` seconds is confirmed and not published (nor handled) again. `{ window, maxKeys, store }` or
   * `false`. Defaults: 300 s, 100 000 keys in memory, the broker's own store when it has one (Redis: shared by
   * every node).
   */
  readonly dedupe?: DedupeOptions | false;
  /**
   * Relay broker destinations to an external STOMP broker (RabbitMQ) instead: `createStompRelay(...)`. Each
   * session then gets its own connection to it, and application messages go through the relay's system
   * connection. Not with `broker`; not closed with this one (close it after). Default none.
   */
  readonly relay?: StompRelay;
  /** Versions accepted. Default all: 1.2, 1.1, 1.0. */
  readonly versions?: readonly StompVersion[];
  /**
   * The server's heart-beat offer, `heart-beat: outgoing,incoming` in CONNECTED. Default 10 000 each way
   * (Spring's broker once heart-beats are on). 0 turns a direction off.
   */
  readonly heartbeat?: { readonly outgoing?: number; readonly incoming?: number };
  /** A client is dropped after `incoming interval × tolerance` of silence. Default 3 (Spring's margin). */
  readonly heartbeatTolerance?: number;
  /** Frame size limits. Defaults: see {@link DEFAULT_LIMITS}. */
  readonly limits?: Partial<StompLimits>;
  /**
   * Destination prefixes. Defaults: application `['/app']`, broker `['/topic', '/queue']` (with a relay:
   * `['/topic', '/queue', '/exchange', '/amq/queue']`), user `/user`.
   */
  readonly prefixes?: Partial<DestinationPrefixes> & {
    /** Where a SEND handler's result goes by default: `/app/x` → `/topic/x`. Default `/topic`. */
    readonly applicationReply?: string;
  };
  readonly authenticate?: Authenticate;
  readonly authorize?: Authorize;
  readonly interceptors?: {
    readonly inbound?: readonly InboundInterceptor[];
    readonly outbound?: readonly OutboundInterceptor[];
  };
  /**
   * The slow-consumer policy (Spring's `sendBufferSizeLimit` and `sendTimeLimit`): a session whose outbound
   * buffer passes `maxBufferedBytes`, or that has not drained for `sendTimeLimit` ms when another frame is
   * written, is closed with `closeCode`. Defaults 512 KiB, 10 000 ms, 2012 (Buffer overflow).
   */
  readonly slowConsumer?: {
    readonly maxBufferedBytes?: number;
    readonly sendTimeLimit?: number;
    readonly closeCode?: number;
  };
  /** Milliseconds a connection may take to send a CONNECT and be authenticated. Default 30 000. */
  readonly connectTimeout?: number;
  /** Subscriptions per session. Default 256. */
  readonly maxSubscriptions?: number;
  /**
   * Messages a session may hold unacknowledged (memory the client controls) in the client ack modes
   * (`ack:client`, `ack:client-individual`). A queue subscription gets it as its prefetch when its SUBSCRIBE
   * asks for none or more (`prefetch-count`): the queue stops handing it messages there and keeps the rest.
   * On topics nothing can wait, so the delivery that would take the session's unacknowledged topic messages
   * (and subscribe handler replies) past it gets ERROR `Too many unacknowledged messages` (kind `limit`,
   * naming `maxUnacked`) and a close. Default 1000.
   */
  readonly maxUnacked?: number;
  /**
   * What transactions may hold until COMMIT (memory the client controls): open transactions per session
   * (`maxOpen`, default 16), frames per transaction (`maxFrames`, 1000), UTF-8 bytes of body and headers per
   * transaction (`maxBytes`, 1 MiB) and in all of a session's open transactions (`maxSessionBytes`, 4 MiB).
   * Past any of them: ERROR (kind `limit`) naming it, and a close.
   */
  readonly transactions?: {
    readonly maxOpen?: number;
    readonly maxFrames?: number;
    readonly maxBytes?: number;
    readonly maxSessionBytes?: number;
  };
  /** Frames received while an async step (auth, handler, broker) is pending; past it: ERROR. Default 1000. */
  readonly maxPendingFrames?: number;
  /** The CONNECTED `server` header. Default `Sockwire/<version>`. */
  readonly serverName?: string;
  /** Timers and clock (inject fakes in tests). Default: global timers (unref'd) and Date.now. */
  readonly clock?: StompClock;
  /** Operational events: failed hooks and handlers, dropped sessions. Default: nothing is logged. */
  readonly log?: (severity: 'debug' | 'info' | 'error', message: string) => void;
}

export const SERVER_VERSION = '0.1.0';

export const STOMP_DEFAULTS = {
  versions: STOMP_VERSIONS,
  heartbeatOutgoing: 10_000,
  heartbeatIncoming: 10_000,
  heartbeatTolerance: 3,
  applicationPrefixes: ['/app'] as readonly string[],
  brokerPrefixes: ['/topic', '/queue'] as readonly string[],
  userPrefix: '/user',
  applicationReply: '/topic',
  maxBufferedBytes: 512 * 1024,
  sendTimeLimit: 10_000,
  slowConsumerCloseCode: CloseCode.BUFFER_OVERFLOW,
  connectTimeout: 30_000,
  maxSubscriptions: 256,
  maxUnacked: 1000,
  maxOpenTransactions: 16,
  maxTransactionFrames: 1000,
  maxTransactionBytes: 1024 * 1024,
  maxSessionTransactionBytes: 4 * 1024 * 1024,
  maxPendingFrames: 1000,
  serverName: `Sockwire/${SERVER_VERSION}`,
} as const;

export interface ResolvedStompOptions {
  readonly versions: readonly StompVersion[];
  readonly heartbeat: { readonly send: number; readonly receive: number };
  readonly heartbeatTolerance: number;
  readonly limits: StompLimits;
  readonly prefixes: DestinationPrefixes;
  readonly applicationReply: string;
  readonly authenticate: Authenticate | undefined;
  readonly authorize: Authorize | undefined;
  readonly inbound: readonly InboundInterceptor[];
  readonly outbound: readonly OutboundInterceptor[];
  readonly maxBufferedBytes: number;
  readonly sendTimeLimit: number;
  readonly slowConsumerCloseCode: number;
  readonly connectTimeout: number;
  readonly maxSubscriptions: number;
  readonly maxUnacked: number;
  readonly maxOpenTransactions: number;
  readonly maxTransactionFrames: number;
  readonly maxTransactionBytes: number;
  readonly maxSessionTransactionBytes: number;
  readonly maxPendingFrames: number;
  readonly serverName: string;
  readonly clock: StompClock;
  readonly log: (severity: 'debug' | 'info' | 'error', message: string) => void;
}

function count(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(
      `Sockwire STOMP: option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    );
  }
  return value;
}

export function resolveStompOptions(options: StompBrokerOptions = {}): ResolvedStompOptions {
  const versions = options.versions ?? STOMP_DEFAULTS.versions;
  if (versions.length === 0 || versions.some((v) => !STOMP_VERSIONS.includes(v))) {
    throw new TypeError(
      `Sockwire STOMP: versions must be a non-empty subset of ${STOMP_VERSIONS.join(', ')}`,
    );
  }
  const tolerance = count(
    'heartbeatTolerance',
    options.heartbeatTolerance,
    STOMP_DEFAULTS.heartbeatTolerance,
  );
  if (tolerance < 1) throw new TypeError('Sockwire STOMP: heartbeatTolerance must be at least 1');
  return {
    versions,
    heartbeat: {
      send: count('heartbeat.outgoing', options.heartbeat?.outgoing, STOMP_DEFAULTS.heartbeatOutgoing, true),
      receive: count(
        'heartbeat.incoming',
        options.heartbeat?.incoming,
        STOMP_DEFAULTS.heartbeatIncoming,
        true,
      ),
    },
    heartbeatTolerance: tolerance,
    limits: resolveLimits(options.limits),
    prefixes: {
      application: options.prefixes?.application ?? STOMP_DEFAULTS.applicationPrefixes,
      broker:
        options.prefixes?.broker ??
        (options.relay === undefined ? STOMP_DEFAULTS.brokerPrefixes : RELAY_BROKER_PREFIXES),
      user: options.prefixes?.user ?? STOMP_DEFAULTS.userPrefix,
    },
    applicationReply: (options.prefixes?.applicationReply ?? STOMP_DEFAULTS.applicationReply).replace(
      /\/+$/,
      '',
    ),
    authenticate: options.authenticate,
    authorize: options.authorize,
    inbound: options.interceptors?.inbound ?? [],
    outbound: options.interceptors?.outbound ?? [],
    maxBufferedBytes: count(
      'slowConsumer.maxBufferedBytes',
      options.slowConsumer?.maxBufferedBytes,
      STOMP_DEFAULTS.maxBufferedBytes,
    ),
    sendTimeLimit: count(
      'slowConsumer.sendTimeLimit',
      options.slowConsumer?.sendTimeLimit,
      STOMP_DEFAULTS.sendTimeLimit,
    ),
    slowConsumerCloseCode: options.slowConsumer?.closeCode ?? STOMP_DEFAULTS.slowConsumerCloseCode,
    connectTimeout: count('connectTimeout', options.connectTimeout, STOMP_DEFAULTS.connectTimeout),
    maxSubscriptions: count('maxSubscriptions', options.maxSubscriptions, STOMP_DEFAULTS.maxSubscriptions),
    maxUnacked: count('maxUnacked', options.maxUnacked, STOMP_DEFAULTS.maxUnacked),
    maxOpenTransactions: count(
      'transactions.maxOpen',
      options.transactions?.maxOpen,
      STOMP_DEFAULTS.maxOpenTransactions,
    ),
    maxTransactionFrames: count(
      'transactions.maxFrames',
      options.transactions?.maxFrames,
      STOMP_DEFAULTS.maxTransactionFrames,
    ),
    maxTransactionBytes: count(
      'transactions.maxBytes',
      options.transactions?.maxBytes,
      STOMP_DEFAULTS.maxTransactionBytes,
    ),
    maxSessionTransactionBytes: count(
      'transactions.maxSessionBytes',
      options.transactions?.maxSessionBytes,
      STOMP_DEFAULTS.maxSessionTransactionBytes,
    ),
    maxPendingFrames: count('maxPendingFrames', options.maxPendingFrames, STOMP_DEFAULTS.maxPendingFrames),
    serverName: options.serverName ?? STOMP_DEFAULTS.serverName,
    clock: options.clock ?? systemClock,
    log: options.log ?? (() => {}),
  };
}
