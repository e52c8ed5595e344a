import type {
  BrokerStats,
  ConsumeOptions,
  Consumer,
  ConsumerHandle,
  MessageBroker,
  MessageHeaders,
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

  publish(destination: string, headers: MessageHeaders, body: string): string {
    if (this.closed) throw new Error('Sockwire memory broker: closed');
    const id = String(++this.lastId);
    this.published++;
    const queue = this.isQueue(destination);
    const message = queue
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
    const target = this.obtain(destination);
    // Everything here is synchronous: no publish can come between the replay and joining the live consumers,
    // so the switch has no gap and no duplicate.
    if (options.resume !== undefined) this.replay(destination, consumer, entry, options.resume);
    target.add(entry);
    return {
      ...this.positionOf(destination),
      ack: (tag) => {
        if (!entry.cancelled) target.ack(entry, tag);
      },
      nack: (tag) => {
        if (!entry.cancelled) target.nack(entry, tag);
      },
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        target.remove(entry);
        if (target.isIdle && this.destinations.get(destination) === target)
          this.destinations.delete(destination);
      },
    };
  }

  private positionOf(destination: string): { position?: StreamPosition } {
    if (this.isQueue(destination) || !this.streams.keeps(destination)) return {};
    const stream = this.streams.get(destination, this.now());
    return { position: { next: stream?.next ?? 0, epoch: stream?.epoch } };
  }

  private replay(destination: string, consumer: Consumer, entry: ConsumerEntry, resume: StreamResume): void {
    if (resume.start.kind === 'next') return;
    const requested = resume.start.kind === 'offset' ? resume.start.offset : undefined;
    if (this.isQueue(destination) || !this.streams.keeps(destination)) {
      consumer.gap?.({ reason: 'no-history', requested, resumedAt: undefined, epoch: undefined });
      return;
    }
    const stream = this.streams.get(destination, this.now());
    if (stream === undefined) {
      // Nothing retained: the epoch the client counted in (if any) is over; from offset 0 nothing can be missed.
      const missed = resume.epoch !== undefined || (requested !== undefined && requested > 0);
      if (missed && requested !== undefined) {
        const reason = resume.epoch !== undefined ? 'epoch' : 'truncated';
        consumer.gap?.({ reason, requested, resumedAt: undefined, epoch: undefined });
      }
      return;
    }
    const plan = planResume(resume, { first: stream.first, next: stream.next, epoch: stream.epoch });
    if (plan.gap !== undefined) consumer.gap?.(plan.gap);
    for (const message of stream.since(plan.from)) {
      if (entry.cancelled) return;
      this.replayed++;
      this.counters.delivered++;
      entry.deliver({ message, redelivered: false, attempts: 0 });
    }
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
