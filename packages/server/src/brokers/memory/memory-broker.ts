import type {
  BrokerStats,
  ConsumeOptions,
  Consumer,
  ConsumerHandle,
  MessageBroker,
  MessageHeaders,
  PublishOptions,
  StreamPosition,
} from '../broker.js';
import { type HistoryOptions, planResume, resolveHistory, type StreamResume } from '../history.js';
import { ConsumerEntry, type MemoryCounters } from './consumer-entry.js';
import { StreamStore } from './message-stream.js';
import { Queue } from './queue.js';
import { type QueueQuotas, QueueRegistry } from './queue-registry.js';
import { Topic } from './topic.js';

export interface MemoryBrokerOptions {
  /** Destinations with these prefixes are queues (one consumer per message); all others fan out. Default `['/queue/']`. */
  readonly queuePrefixes?: readonly string[];
  /** Messages a queue holds while no consumer can take them; the oldest is dropped past it. Default 1000. */
  readonly maxQueuedMessages?: number;
  /**
   * Bytes (estimated: body and header characters plus 64 per message) a queue holds while no consumer can take
   * them; the oldest are dropped past it, and a single larger message is refused. Default 8 MiB.
   */
  readonly maxQueuedBytes?: number;
  /**
   * Bytes all queues hold together, messages waiting and delivered-but-unacknowledged; a publish to a queue
   * that would pass it is refused (BrokerQuotaError `maxTotalQueuedBytes`). Default 256 MiB.
   */
  readonly maxTotalQueuedBytes?: number;
  /**
   * Queues at once. Creating one more first drops the least recently used queue that holds nothing and has no
   * consumer; if there is none, the publish or subscribe is refused (BrokerQuotaError `maxQueues`). Default 10 000.
   */
  readonly maxQueues?: number;
  /**
   * Seconds a queue may go without any consumer and without a publish before it is dropped with its messages
   * (counted as discarded). Default 600.
   */
  readonly queueIdleTtl?: number;
  /** Times a NACKed or abandoned message is delivered again before it is dropped. Default 5. */
  readonly maxRedeliveries?: number;
  /**
   * History of topic-like destinations (every non-queue one, user destinations included), for subscriptions
   * that resume (`x-stream-offset`): `{ size, ttl (seconds), rules, maxDestinations, maxBytes }`, or `false`.
   * Defaults: 1000 messages and 300 s per destination, 10 000 destinations, 64 MiB in all (HISTORY_DEFAULTS).
   * A new broker is a new epoch.
   */
  readonly history?: HistoryOptions | false;
  /** The clock of the history's time limit and of queue expiry (ms). Default Date.now. */
  readonly now?: () => number;
}

export const MEMORY_BROKER_DEFAULTS = {
  queuePrefixes: ['/queue/'] as readonly string[],
  maxQueuedMessages: 1000,
  maxQueuedBytes: 8 * 1024 * 1024,
  maxTotalQueuedBytes: 256 * 1024 * 1024,
  maxQueues: 10_000,
  queueIdleTtl: 600,
  maxRedeliveries: 5,
} as const;

type Destination = Topic | Queue;

/** Messages a replay reads from the history at a time (it asks the consumer for room after each one). */
const REPLAY_BATCH = 64;

/**
 * The embedded broker: everything in this process's memory, delivered synchronously. Message ids come from
 * one counter for the whole broker, so they are unique and increase within every destination. Topics exist
 * while they have consumers; queues, and the quotas on what they hold, are the QueueRegistry's.
 */
export class MemoryBroker implements MessageBroker {
  private readonly topics = new Map<string, Topic>();
  private readonly queues: QueueRegistry;
  private readonly counters: MemoryCounters = { delivered: 0, redelivered: 0, discarded: 0 };
  private readonly queuePrefixes: readonly string[];
  private readonly maxRedeliveries: number;
  private readonly streams: StreamStore;
  private readonly now: () => number;
  private published = 0;
  private replayed = 0;
  private lastId = 0;
  private closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.queuePrefixes = options.queuePrefixes ?? MEMORY_BROKER_DEFAULTS.queuePrefixes;
    this.maxRedeliveries = wholeNumber(
      'maxRedeliveries',
      options.maxRedeliveries,
      MEMORY_BROKER_DEFAULTS.maxRedeliveries,
    );
    this.now = options.now ?? Date.now;
    this.queues = new QueueRegistry(this.counters, resolveQuotas(options, this.maxRedeliveries), this.now);
    const epoch = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    this.streams = new StreamStore(resolveHistory(options.history, 'Sockwire memory broker'), epoch);
  }

  publish(destination: string, headers: MessageHeaders, body: string, options?: PublishOptions): string {
    if (this.closed) throw new Error('Sockwire memory broker: closed');
    const id = String(++this.lastId);
    const queue = this.isQueue(destination);
    const message =
      queue || options?.history === false
        ? { destination, id, headers, body }
        : this.streams.append({ destination, id, headers, body }, this.now());
    // A publish refused by a quota throws here, before it counts (its id is simply never seen).
    if (queue) this.queues.publish(destination, message);
    else this.topics.get(destination)?.publish(message);
    this.published++;
    return id;
  }

  wouldCreate(destination: string): boolean {
    return this.isQueue(destination) && !this.queues.has(destination);
  }

  subscribe(destination: string, consumer: Consumer, options: ConsumeOptions): ConsumerHandle {
    if (this.closed) throw new Error('Sockwire memory broker: closed');
    const entry = new ConsumerEntry(consumer, options.manualAck, options.prefetch ?? 0);
    // Until a resuming consumer has caught up it is in no destination; its acks and nacks go through a detached
    // topic (only topics replay), which settles and redelivers exactly as the live one would.
    let target: Destination | undefined;
    const catchingUp = new Topic(this.counters, this.maxRedeliveries);
    const join = (): void => {
      if (entry.cancelled) return;
      target = this.obtain(destination);
      // Before `add`: a consumer that cancels itself on its first delivery must leave the queue ageing again.
      if (target instanceof Queue) this.queues.joined(destination);
      target.add(entry);
    };
    const position = this.positionOf(destination);
    if (options.resume === undefined || options.resume.start.kind === 'next') join();
    else this.replay(destination, consumer, entry, options.resume, join);
    return {
      ...position,
      ack: (tag) => {
        if (!entry.cancelled) (target ?? catchingUp).ack(entry, tag);
      },
      nack: (tag) => {
        if (!entry.cancelled) (target ?? catchingUp).nack(entry, tag);
      },
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        if (target === undefined) return;
        target.remove(entry);
        if (target instanceof Queue) this.queues.left(destination, target);
        else if (target.isIdle && this.topics.get(destination) === target) this.topics.delete(destination);
      },
    };
  }

  private positionOf(destination: string): { position?: StreamPosition; retained?: false } {
    if (this.isQueue(destination)) return {};
    const stream = this.streams.obtain(destination, this.now());
    return stream === undefined
      ? { retained: false }
      : { position: { next: stream.next, epoch: stream.epoch } };
  }

  /**
   * Replays `resume` to a consumer that is in no destination yet, then joins it to the live ones (`join`). The
   * replay reads the retained history with a cursor, in batches paced by the consumer's `whenWritable`, so a
   * long history cannot overflow a slow client. Messages published meanwhile are appended to the same history,
   * so the cursor reaches them too; it joins the live consumers in the same synchronous step in which it finds
   * nothing left to read, so no publish falls between replay and live: no gap and no duplicate at the switch.
   */
  private replay(
    destination: string,
    consumer: Consumer,
    entry: ConsumerEntry,
    resume: StreamResume,
    join: () => void,
  ): void {
    const requested = resume.start.kind === 'offset' ? resume.start.offset : undefined;
    const stream = this.isQueue(destination) ? undefined : this.streams.obtain(destination, this.now());
    if (stream === undefined) {
      consumer.gap?.({ reason: 'no-history', requested, resumedAt: undefined, epoch: undefined });
      join();
      return;
    }
    const plan = planResume(resume, { first: stream.first, next: stream.next, epoch: stream.epoch });
    if (plan.gap !== undefined) consumer.gap?.(plan.gap);
    let cursor = plan.from;
    // A numbering the store did not keep (created by this SUBSCRIBE, over maxDestinations) cannot be evicted.
    const kept = this.streams.peek(destination) === stream;
    const pump = (): void => {
      for (;;) {
        if (entry.cancelled) return;
        if (this.closed) return;
        if (kept && this.streams.peek(destination) !== stream) {
          // Evicted while replaying (maxDestinations): the rest of this numbering is gone.
          const epoch = this.streams.peek(destination)?.epoch;
          consumer.gap?.({ reason: 'epoch', requested: cursor, resumedAt: undefined, epoch });
          join();
          return;
        }
        this.streams.expire(destination, stream, this.now());
        if (cursor < stream.first) {
          // The history moved on (size, time or byte limit) faster than this consumer read it.
          consumer.gap?.({
            reason: 'truncated',
            requested: cursor,
            resumedAt: stream.first,
            epoch: stream.epoch,
          });
          cursor = stream.first;
        }
        if (cursor >= stream.next) {
          join();
          return;
        }
        for (const message of stream.since(cursor, REPLAY_BATCH)) {
          if (entry.cancelled) return;
          this.replayed++;
          this.counters.delivered++;
          cursor++;
          entry.deliver({ message, redelivered: false, attempts: 0 });
          if (consumer.whenWritable !== undefined && !consumer.whenWritable(pump)) return;
        }
      }
    };
    pump();
  }

  stats(): BrokerStats {
    let consumers = 0;
    let queued = 0;
    for (const topic of this.topics.values()) consumers += topic.consumerCount;
    // Expired queues go first, so that the numbers are what the quotas see.
    this.queues.expire();
    for (const queue of this.queues.values()) {
      consumers += queue.consumerCount;
      queued += queue.queued;
    }
    return {
      destinations: this.topics.size + this.queues.size,
      consumers,
      queued,
      queuedBytes: this.queues.bytes,
      published: this.published,
      delivered: this.counters.delivered,
      redelivered: this.counters.redelivered,
      discarded: this.counters.discarded,
      history: {
        destinations: this.streams.destinations,
        bytes: this.streams.retainedBytes,
        replayed: this.replayed,
      },
    };
  }

  close(): void {
    this.closed = true;
    this.topics.clear();
    this.queues.clear();
    this.streams.clear();
  }

  private isQueue(destination: string): boolean {
    return this.queuePrefixes.some((prefix) => destination.startsWith(prefix));
  }

  private obtain(destination: string): Destination {
    if (this.isQueue(destination)) return this.queues.obtain(destination);
    let topic = this.topics.get(destination);
    if (topic === undefined) {
      topic = new Topic(this.counters, this.maxRedeliveries);
      this.topics.set(destination, topic);
    }
    return topic;
  }
}

function resolveQuotas(options: MemoryBrokerOptions, maxRedeliveries: number): QueueQuotas {
  const defaults = MEMORY_BROKER_DEFAULTS;
  return {
    maxQueued: wholeNumber('maxQueuedMessages', options.maxQueuedMessages, defaults.maxQueuedMessages),
    maxQueuedBytes: quota('maxQueuedBytes', options.maxQueuedBytes, defaults.maxQueuedBytes),
    maxTotalQueuedBytes: quota(
      'maxTotalQueuedBytes',
      options.maxTotalQueuedBytes,
      defaults.maxTotalQueuedBytes,
    ),
    maxQueues: quota('maxQueues', options.maxQueues, defaults.maxQueues),
    idleTtlMs: quota('queueIdleTtl', options.queueIdleTtl, defaults.queueIdleTtl) * 1000,
    maxRedeliveries,
  };
}

/** A whole number, or Infinity for "no limit" (the quotas are on by default; turning one off is explicit). */
function quota(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return value ?? fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(
      `Sockwire memory broker: ${name} must be a whole number or Infinity, got ${String(value)}`,
    );
  }
  return value;
}

function wholeNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`Sockwire memory broker: ${name} must be a whole number, got ${String(value)}`);
  }
  return value;
}

export function createMemoryBroker(options?: MemoryBrokerOptions): MemoryBroker {
  return new MemoryBroker(options);
}
