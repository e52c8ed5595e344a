import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { DEDUPE_DEFAULTS } from '../dedupe.js';
import { type HistoryOptions, type ResolvedHistory, resolveHistory } from '../history.js';

export type RedisBrokerLog = (severity: 'debug' | 'info' | 'error', message: string) => void;

export interface RedisBrokerOptions {
  /** Where Redis is, e.g. `redis://:password@host:6379/0`. Default `redis://127.0.0.1:6379`. Ignored with `client`. */
  readonly url?: string;
  /**
   * An ioredis client to copy the connection settings from: the broker opens its own connections with
   * `client.duplicate()` and never uses, nor closes, this one.
   */
  readonly client?: Redis;
  /** Prefix of every key and channel (the broker adds `broker:` after it). Default `sockwire:`. */
  readonly keyPrefix?: string;
  /** This node's name among the nodes sharing the Redis; must be unique among live nodes. Default host-pid-random. */
  readonly nodeId?: string;
  /** Destinations with these prefixes are queues (Redis Streams); all others fan out (pub/sub). Default `['/queue/']`. */
  readonly queuePrefixes?: readonly string[];
  /** Messages a queue keeps, waiting or unacknowledged (the stream's length); oldest dropped past it. Default 1000. */
  readonly maxQueuedMessages?: number;
  /**
   * Bytes a queue keeps, waiting or unacknowledged: past it the oldest go (as with `maxQueuedMessages`), and a
   * single larger message is refused (BrokerQuotaError `maxQueuedBytes`). Bytes as Redis stores them (UTF-8):
   * the message id, headers JSON and body, plus the destination and 64 per message; Redis's own overhead is not
   * counted. Default 8 MiB.
   */
  readonly maxQueuedBytes?: number;
  /**
   * Bytes (as `maxQueuedBytes` weighs them) all queues keep together in the whole Redis, over every node,
   * messages waiting and unacknowledged; a publish to a queue that would pass it is refused (BrokerQuotaError
   * `maxTotalQueuedBytes`). Default 256 MiB.
   */
  readonly maxTotalQueuedBytes?: number;
  /**
   * Queues (streams) in the whole Redis at once, counted over every node. Creating one more, by a publish or a
   * subscribe, first drops the least recently used queue that holds nothing and has no consumer on any node; if
   * there is none, it is refused (BrokerQuotaError `maxQueues`). Default 10 000.
   */
  readonly maxQueues?: number;
  /**
   * Seconds a queue may go without a consumer on any node and without a publish before Redis drops it with its
   * messages (its keys expire). A node with consumers renews a lease on the queue every third of `nodeTimeout`;
   * if it dies, the count starts when its lease ends (at most `nodeTimeout` later). Default 600.
   */
  readonly queueIdleTtl?: number;
  /** Times a NACKed or abandoned queue (or topic) message is delivered again before it is dropped. Default 5. */
  readonly maxRedeliveries?: number;
  /**
   * Milliseconds after its last heart-beat a node counts as dead: the others then redeliver its
   * unacknowledged queue messages. Nodes beat, and sweep for dead ones, every third of it. Default 15 000.
   */
  readonly nodeTimeout?: number;
  /** Queue messages a node reads from Redis at once, at most (fewer when prefetch limits say so). Default 100. */
  readonly readBatch?: number;
  /** Milliseconds `createRedisBroker` waits for Redis before it rejects. Default 10 000. */
  readonly connectTimeout?: number;
  /** Milliseconds a command (publish, subscribe, ack) may take before it fails. Default 5000. */
  readonly commandTimeout?: number;
  /** Connection changes and failures. Default: nothing is logged. */
  readonly log?: RedisBrokerLog;
  /**
   * History of topic-like destinations (every non-queue one, user destinations included), kept in Redis for
   * subscriptions that resume (`x-stream-offset`) on any node: `{ size, ttl (seconds), rules, maxDestinations,
   * maxBytes }`, or `false`. Defaults: 1000 messages and 300 s per destination, 10 000 destinations, 64 MiB of
   * messages in all (HISTORY_DEFAULTS). Every publish applies its node's limits, so give every node the same.
   * `maxDestinations` and `maxBytes` are enforced by each publish across the whole Redis (the destination
   * whose messages expire first goes first), not per node. The epoch changes only when Redis lost the history
   * (restart without persistence, flush, eviction) or it expired, never because a node went away.
   */
  readonly history?: HistoryOptions | false;
  /**
   * The clock of the history's time limit and of queue expiry, in ms. Default Redis's own (TIME), which every
   * node shares.
   */
  readonly now?: () => number;
  /**
   * Seconds an idempotent send's key (`x-idempotency-key`) is remembered in Redis, where every node finds it:
   * a send re-sent to another node after a cut is not published twice. Default 300 (DEDUPE_DEFAULTS.window).
   */
  readonly dedupeWindow?: number;
}

export const REDIS_BROKER_DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'sockwire:',
  queuePrefixes: ['/queue/'] as readonly string[],
  maxQueuedMessages: 1000,
  maxQueuedBytes: 8 * 1024 * 1024,
  maxTotalQueuedBytes: 256 * 1024 * 1024,
  maxQueues: 10_000,
  queueIdleTtl: 600,
  maxRedeliveries: 5,
  nodeTimeout: 15_000,
  readBatch: 100,
  connectTimeout: 10_000,
  commandTimeout: 5000,
} as const;

export interface ResolvedRedisBrokerOptions {
  readonly url: string;
  readonly client: Redis | undefined;
  readonly nodeId: string;
  readonly queuePrefixes: readonly string[];
  readonly maxQueuedMessages: number;
  readonly queueQuotas: RedisQueueQuotas;
  readonly maxRedeliveries: number;
  readonly nodeTimeout: number;
  readonly readBatch: number;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
  readonly log: RedisBrokerLog;
  readonly history: ResolvedHistory;
  readonly dedupeWindow: number;
  /** Undefined: Redis's clock. */
  readonly now: (() => number) | undefined;
  readonly keys: RedisKeys;
}

/** The queue quotas, `NO_LIMIT` where the option was Infinity (Lua has no portable infinity to parse). */
export interface RedisQueueQuotas {
  readonly maxQueuedBytes: number;
  readonly maxTotalQueuedBytes: number;
  readonly maxQueues: number;
  readonly idleTtlMs: number;
}

/** "No limit" in the queue scripts: larger than any count, byte total or ms timestamp (about 285 000 years). */
export const NO_LIMIT = 9_000_000_000_000_000;

/** Every name the broker uses in Redis, so that the layout is visible in one place. */
export interface RedisKeys {
  /** The message id counter (one for all destinations, so ids are unique in the broker). */
  readonly ids: string;
  /** Present while a node is alive; expires `nodeTimeout` after its last heart-beat. */
  alive(nodeId: string): string;
  /** The pub/sub channel of a topic-like destination. */
  channel(destination: string): string;
  /** The stream of a queue destination. */
  stream(destination: string): string;
  /** The leases of the nodes consuming a queue, holder -> ms it ends (a hash that lives and dies with `stream`). */
  queueHolders(destination: string): string;
  /** Queues in the whole Redis, scored by when they expire (sorted set; see queue-scripts.ts). */
  readonly queueIndex: string;
  /** Bytes held per queue (hash), and in all (string). */
  readonly queueSizes: string;
  readonly queueBytes: string;
  /** The retained messages of a topic-like destination (a stream; see history-scripts.ts). */
  history(destination: string): string;
  /** Its epoch, next offset and size (a hash that lives and dies with `history`). */
  historyMeta(destination: string): string;
  /** The prefix of idempotency keys (see dedupe-store.ts). */
  readonly dedupe: string;
  /** Destinations with history, scored by when their newest message expires (sorted set). */
  readonly historyIndex: string;
  /** Bytes retained per destination (hash), and in all (string). */
  readonly historySizes: string;
  readonly historyBytes: string;
}

export function resolveRedisBrokerOptions(options: RedisBrokerOptions): ResolvedRedisBrokerOptions {
  const base = `${options.keyPrefix ?? REDIS_BROKER_DEFAULTS.keyPrefix}broker:`;
  const nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (nodeId === '' || /\s/.test(nodeId)) {
    throw new TypeError(
      `Sockwire Redis broker: nodeId must be non-empty without spaces, got ${JSON.stringify(nodeId)}`,
    );
  }
  return {
    url: options.url ?? REDIS_BROKER_DEFAULTS.url,
    client: options.client,
    nodeId,
    queuePrefixes: options.queuePrefixes ?? REDIS_BROKER_DEFAULTS.queuePrefixes,
    maxQueuedMessages: whole(
      'maxQueuedMessages',
      options.maxQueuedMessages,
      REDIS_BROKER_DEFAULTS.maxQueuedMessages,
      1,
    ),
    queueQuotas: resolveQueueQuotas(options),
    maxRedeliveries: whole(
      'maxRedeliveries',
      options.maxRedeliveries,
      REDIS_BROKER_DEFAULTS.maxRedeliveries,
      0,
    ),
    // Below 300 ms a node would beat every 100 ms or faster: more Redis traffic than any failover is worth.
    nodeTimeout: whole('nodeTimeout', options.nodeTimeout, REDIS_BROKER_DEFAULTS.nodeTimeout, 300),
    readBatch: whole('readBatch', options.readBatch, REDIS_BROKER_DEFAULTS.readBatch, 1),
    connectTimeout: whole('connectTimeout', options.connectTimeout, REDIS_BROKER_DEFAULTS.connectTimeout, 1),
    commandTimeout: whole('commandTimeout', options.commandTimeout, REDIS_BROKER_DEFAULTS.commandTimeout, 1),
    log: options.log ?? (() => {}),
    history: resolveHistory(options.history, 'Sockwire Redis broker'),
    dedupeWindow: whole('dedupeWindow', options.dedupeWindow, DEDUPE_DEFAULTS.window, 1),
    now: options.now,
    keys: {
      ids: `${base}ids`,
      alive: (id) => `${base}alive:${id}`,
      channel: (destination) => `${base}topic:${destination}`,
      stream: (destination) => `${base}queue:${destination}`,
      queueHolders: (destination) => `${base}queue-holders:${destination}`,
      queueIndex: `${base}queue-index`,
      queueSizes: `${base}queue-sizes`,
      queueBytes: `${base}queue-bytes`,
      history: (destination) => `${base}history:${destination}`,
      historyMeta: (destination) => `${base}history-meta:${destination}`,
      historyIndex: `${base}history-index`,
      dedupe: `${base}dedupe:`,
      historySizes: `${base}history-sizes`,
      historyBytes: `${base}history-bytes`,
    },
  };
}

function resolveQueueQuotas(options: RedisBrokerOptions): RedisQueueQuotas {
  const defaults = REDIS_BROKER_DEFAULTS;
  const idleTtl = quota('queueIdleTtl', options.queueIdleTtl, defaults.queueIdleTtl);
  return {
    maxQueuedBytes: quota('maxQueuedBytes', options.maxQueuedBytes, defaults.maxQueuedBytes),
    maxTotalQueuedBytes: quota(
      'maxTotalQueuedBytes',
      options.maxTotalQueuedBytes,
      defaults.maxTotalQueuedBytes,
    ),
    maxQueues: quota('maxQueues', options.maxQueues, defaults.maxQueues),
    idleTtlMs: idleTtl === NO_LIMIT ? NO_LIMIT : idleTtl * 1000,
  };
}

/** A whole number, or Infinity for "no limit" (as the memory broker's quotas), which becomes NO_LIMIT. */
function quota(name: string, value: number | undefined, fallback: number): number {
  if (value === Number.POSITIVE_INFINITY) return NO_LIMIT;
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value >= NO_LIMIT / 1000) {
    throw new TypeError(
      `Sockwire Redis broker: ${name} must be a whole number or Infinity, got ${String(value)}`,
    );
  }
  return value;
}

function whole(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(
      `Sockwire Redis broker: ${name} must be a whole number >= ${min}, got ${String(value)}`,
    );
  }
  return value;
}
