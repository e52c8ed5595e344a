import type { Redis } from 'ioredis';
import {
  BrokerFailure,
  BrokerQuotaError,
  type BrokerStats,
  type ConsumeOptions,
  type Consumer,
  type ConsumerHandle,
  type MessageBroker,
  type MessageHeaders,
  type PublishOptions,
} from '../broker.js';
import type { MemoryCounters } from '../memory/consumer-entry.js';
import { encodeHeaders } from './codec.js';
import {
  type ConnectionHealth,
  closeConnection,
  connectionOpener,
  type OpenConnection,
  whenReady,
} from './connections.js';
import { RedisDedupeStore } from './dedupe-store.js';
import { noHistoryGap, RedisHistory } from './history-store.js';
import { Janitor } from './janitor.js';
import {
  type RedisBrokerOptions,
  type ResolvedRedisBrokerOptions,
  resolveRedisBrokerOptions,
} from './options.js';
import { QueueIndex } from './queue-index.js';
import { PUBLISH_TOPIC, runScript } from './scripts.js';
import { type QueueContext, StreamQueue } from './stream-queue.js';
import { TopicFanout } from './topics.js';

export interface RedisBrokerStats extends BrokerStats {
  readonly nodeId: string;
  /** Queues in the whole Redis (what `maxQueues` counts), sampled every third of `nodeTimeout`. */
  readonly queues: number;
  /** The command connection's ioredis status: `ready` while publishing works, `reconnecting` during an outage. */
  readonly connection: string;
  /** Connection errors since start (ioredis reports every failed reconnect attempt). */
  readonly errors: number;
  readonly lastError: string | undefined;
}

/** A MessageBroker shared by every node on the same Redis. */
export interface RedisBroker extends MessageBroker {
  readonly nodeId: string;
  publish(
    destination: string,
    headers: MessageHeaders,
    body: string,
    options?: PublishOptions,
  ): Promise<string>;
  subscribe(destination: string, consumer: Consumer, options: ConsumeOptions): Promise<ConsumerHandle>;
  wouldCreate(destination: string): Promise<boolean>;
  /**
   * Local counters; `queued`, and `queues`, `queuedBytes`, `history.destinations` / `history.bytes` (across the
   * whole Redis), are sampled every third of `nodeTimeout`.
   */
  stats(): RedisBrokerStats;
  /** Return unacknowledged queue messages, stop reading, and close the broker's connections. */
  close(): Promise<void>;
}

/** Why an operation failed: Redis cannot be reached, Redis refused (`failed`), or the broker is closed. */
export type RedisBrokerErrorReason = 'unavailable' | 'failed' | 'closed';

export class RedisBrokerError extends BrokerFailure {
  readonly reason: RedisBrokerErrorReason;

  constructor(reason: RedisBrokerErrorReason, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RedisBrokerError';
    this.reason = reason;
  }
}

/**
 * Connect to Redis and return a broker for `createStompBroker({ broker })`. Resolves once Redis answers;
 * rejects with a RedisBrokerError when it does not within `connectTimeout`.
 */
export async function createRedisBroker(options: RedisBrokerOptions = {}): Promise<RedisBroker> {
  const settings = resolveRedisBrokerOptions(options);
  const health: ConnectionHealth = { errors: 0, lastError: undefined };
  const open = await connectionOpener(settings, health);
  const command = open('command');
  const subscriber = open('subscriber');
  try {
    await Promise.all([
      whenReady(command, settings.connectTimeout),
      whenReady(subscriber, settings.connectTimeout),
    ]);
    const broker = new RedisStreamsBroker(settings, health, open, command, subscriber);
    await broker.start();
    return broker;
  } catch (error) {
    command.disconnect();
    subscriber.disconnect();
    const where = settings.client === undefined ? redact(settings.url) : 'the given client';
    const cause = health.lastError ?? (error instanceof Error ? error.message : String(error));
    throw new RedisBrokerError(
      'unavailable',
      `Sockwire Redis broker: cannot use Redis at ${where}: ${cause}`,
      error,
    );
  }
}

class RedisStreamsBroker implements RedisBroker {
  readonly nodeId: string;
  private readonly settings: ResolvedRedisBrokerOptions;
  private readonly health: ConnectionHealth;
  private readonly command: Redis;
  private readonly subscriber: Redis;
  private readonly counters: MemoryCounters = { delivered: 0, redelivered: 0, discarded: 0 };
  private readonly topics: TopicFanout;
  private readonly queues = new Map<string, StreamQueue>();
  private readonly queueContext: QueueContext;
  private readonly history: RedisHistory;
  private readonly index: QueueIndex;
  private readonly janitor: Janitor;
  /** Idempotency keys shared by every node (the STOMP layer uses it for `x-idempotency-key`). */
  readonly dedupeStore: RedisDedupeStore;
  private published = 0;
  private closing: Promise<void> | undefined;

  constructor(
    settings: ResolvedRedisBrokerOptions,
    health: ConnectionHealth,
    open: OpenConnection,
    command: Redis,
    subscriber: Redis,
  ) {
    this.settings = settings;
    this.nodeId = settings.nodeId;
    this.health = health;
    this.command = command;
    this.subscriber = subscriber;
    const unavailable = (what: string, cause: unknown) => this.failure(what, cause);
    this.history = new RedisHistory(command, settings);
    this.index = new QueueIndex(command, settings);
    this.dedupeStore = new RedisDedupeStore(command, {
      prefix: settings.keys.dedupe,
      window: settings.dedupeWindow,
    });
    this.topics = new TopicFanout({
      subscriber,
      channelName: settings.keys.channel,
      counters: this.counters,
      maxRedeliveries: settings.maxRedeliveries,
      log: settings.log,
      unavailable: (what, cause) => this.failure(what, cause, subscriber),
      history: this.history,
      readFailed: unavailable,
    });
    this.queueContext = {
      command,
      openReader: (destination) => open(`reader:${destination}`),
      settings,
      counters: this.counters,
      index: this.index,
      unavailable,
      idle: (queue) => {
        if (this.queues.get(queue.destination) === queue) this.queues.delete(queue.destination);
        queue
          .stop()
          .catch((error: unknown) =>
            settings.log('error', `Redis broker: stopping a queue: ${String(error)}`),
          );
      },
    };
    this.janitor = new Janitor(command, settings, {
      queues: () => this.queues.values(),
      renew: () => this.index.renew([...this.queues.values()].filter((queue) => queue.held)),
      sample: async () => {
        await Promise.all([this.history.sample(), this.index.sample()]);
      },
    });
  }

  start(): Promise<void> {
    return this.janitor.start();
  }

  async publish(
    destination: string,
    headers: MessageHeaders,
    body: string,
    options?: PublishOptions,
  ): Promise<string> {
    this.assertOpen();
    const { keys } = this.settings;
    const encoded = encodeHeaders(headers);
    let id: string;
    try {
      if (this.isQueue(destination)) {
        // Refused by a quota: rejects with BrokerQuotaError, passed on as it is below.
        const queued = await this.index.publish(destination, encoded, body);
        id = queued.id;
        this.counters.discarded += queued.dropped;
      } else if (options?.history !== false && this.history.keeps(destination)) {
        id = await this.history.publish(destination, encoded, body);
      } else {
        id = String(
          await runScript(
            this.command,
            PUBLISH_TOPIC,
            [keys.ids],
            [keys.channel(destination), encoded, body],
          ),
        );
      }
    } catch (error) {
      if (error instanceof BrokerQuotaError) throw error;
      throw this.failure(`publish to ${destination}`, error);
    }
    this.published++;
    return id;
  }

  /**
   * A queue exists from the first publish or subscribe until it expires (`queueIdleTtl`), as the queue index
   * in Redis says: one script. Shared by every node, so a queue made on one node counts as existing on all.
   */
  async wouldCreate(destination: string): Promise<boolean> {
    this.assertOpen();
    if (!this.isQueue(destination)) return false;
    try {
      return !(await this.index.exists(destination));
    } catch (error) {
      throw this.failure(`look up ${destination}`, error);
    }
  }

  async subscribe(destination: string, consumer: Consumer, options: ConsumeOptions): Promise<ConsumerHandle> {
    this.assertOpen();
    if (!this.isQueue(destination)) return this.topics.subscribe(destination, consumer, options);
    // A queue keeps no history (its messages go to one consumer each): said before anything is delivered.
    const gap = noHistoryGap(options.resume);
    if (gap !== undefined) consumer.gap?.(gap);
    let queue = this.queues.get(destination);
    if (queue === undefined) {
      queue = new StreamQueue(destination, this.queueContext);
      this.queues.set(destination, queue);
    }
    return queue.subscribe(consumer, options);
  }

  stats(): RedisBrokerStats {
    let consumers = this.topics.consumerCount;
    let queued = 0;
    for (const queue of this.queues.values()) {
      consumers += queue.consumerCount;
      queued += queue.queued;
    }
    return {
      destinations: this.topics.destinationCount + this.queues.size,
      consumers,
      queued,
      queuedBytes: this.index.bytes,
      published: this.published,
      ...this.counters,
      history: {
        destinations: this.history.destinations,
        bytes: this.history.bytes,
        replayed: this.history.replayed,
      },
      nodeId: this.nodeId,
      queues: this.index.queues,
      connection: this.command.status,
      errors: this.health.errors,
      lastError: this.health.lastError,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Queues first: their unacknowledged messages go back through the command connection.
    await Promise.all([...this.queues.values()].map((queue) => queue.shutdown()));
    this.queues.clear();
    await this.janitor.stop();
    this.topics.clear();
    await Promise.all([closeConnection(this.subscriber, 1000), closeConnection(this.command, 2000)]);
  }

  private isQueue(destination: string): boolean {
    return this.settings.queuePrefixes.some((prefix) => destination.startsWith(prefix));
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new RedisBrokerError('closed', 'Sockwire Redis broker: closed');
  }

  /** The error a failed Redis operation becomes: whether Redis is unreachable, or refused, is in its text. */
  private failure(what: string, cause: unknown, connection: Redis = this.command): RedisBrokerError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (connection.status !== 'ready') {
      return new RedisBrokerError(
        'unavailable',
        `Sockwire Redis broker: Redis is unavailable (connection ${connection.status}), cannot ${what}: ${detail}`,
        cause,
      );
    }
    return new RedisBrokerError('failed', `Sockwire Redis broker: ${what} failed: ${detail}`, cause);
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
