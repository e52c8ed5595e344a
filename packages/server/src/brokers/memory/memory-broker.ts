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
import { Topic } from './topic.js';

export interface MemoryBrokerOptions {
  /** Destinations with these prefixes are queues (one consumer per message); all others fan out. Default `['/queue/']`. */
  readonly queuePrefixes?: readonly string[];
  /** Messages a queue holds while no consumer can take them; the oldest is dropped past it. Default 1000. */
  readonly maxQueuedMessages?: number;
  /** Times a NACKed or abandoned message is delivered again before it is dropped. Default 5. */
  readonly maxRedeliveries?: number;
  /**
   * History of topic-like destinations (every non-queue one, user destinations included), for subscriptions
   * that resume (`x-stream-offset`): `{ size, ttl (seconds), rules, maxDestinations, maxBytes }`, or `false`.
   * Defaults: 1000 messages and 300 s per destination, 10 000 destinations, 64 MiB in all (HISTORY_DEFAULTS).
   * A new broker is a new epoch.
   */
  readonly history?: HistoryOptions | false;
  /** The clock of the history's time limit. Default Date.now. */
  readonly now?: () => number;
}

export const MEMORY_BROKER_DEFAULTS = {
  queuePrefixes: ['/queue/'] as readonly string[],
  maxQueuedMessages: 1000,
  maxRedeliveries: 5,
} as const;

type Destination = Topic | Queue;

/** Messages a replay reads from the history at a time (it asks the consumer for room after each one). */
const REPLAY_BATCH = 64;

/**
 * The embedded broker: everything in this process's memory, delivered synchronously. Message ids come from
 * one counter for the whole broker, so they are unique and increase within every destination.
 */
export class MemoryBroker implements MessageBroker {
  private readonly destinations = new Map<string, Destination>();
  private readonly counters: MemoryCounters = { delivered: 0, redelivered: 0, discarded: 0 };
  private readonly queuePrefixes: readonly string[];
  private readonly maxQueued: number;
  private readonly maxRedeliveries: number;
  private readonly streams: StreamStore;
  private readonly now: () => number;
  private published = 0;
  private replayed = 0;
  private lastId = 0;
  private closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.queuePrefixes = options.queuePrefixes ?? MEMORY_BROKER_DEFAULTS.queuePrefixes;
    this.maxQueued = wholeNumber(
      'maxQueuedMessages',
      options.maxQueuedMessages,
      MEMORY_BROKER_DEFAULTS.maxQueuedMessages,
    );
    this.maxRedeliveries = wholeNumber(
      'maxRedeliveries',
      options.maxRedeliveries,
      MEMORY_BROKER_DEFAULTS.maxRedeliveries,
    );
    this.now = options.now ?? Date.now;
    const epoch = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    this.streams = new StreamStore(resolveHistory(options.history, 'Sockwire memory broker'), epoch);
  }

  publish(destination: string, headers: MessageHeaders, body: string, options?: PublishOptions): string {
    if (this.closed) throw new Error('Sockwire memory broker: closed');
    const id = String(++this.lastId);
    this.published++;
    const queue = this.isQueue(destination);
    const message =
      queue || options?.history === false
        ? { destination, id, headers, body }
        : this.streams.append({ destination, id, headers, body }, this.now());
    const target = queue ? this.obtain(destination) : this.destinations.get(destination);
    target?.publish(message);
    if (target?.isIdle) this.destinations.delete(destination);
    return id;
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
        if (target.isIdle && this.destinations.get(destination) === target)
          this.destinations.delete(destination);
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
    for (const target of this.destinations.values()) {
      consumers += target.consumerCount;
      queued += target.queued;
    }
    return {
      destinations: this.destinations.size,
      consumers,
      queued,
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
    this.destinations.clear();
    this.streams.clear();
  }

  private isQueue(destination: string): boolean {
    return this.queuePrefixes.some((prefix) => destination.startsWith(prefix));
  }

  private obtain(destination: string): Destination {
    let target = this.destinations.get(destination);
    if (target === undefined) {
      target = this.isQueue(destination)
        ? new Queue(this.counters, this.maxQueued, this.maxRedeliveries)
        : new Topic(this.counters, this.maxRedeliveries);
      this.destinations.set(destination, target);
    }
    return target;
  }
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
