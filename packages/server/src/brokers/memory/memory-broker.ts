import type {
  BrokerStats,
  ConsumeOptions,
  Consumer,
  ConsumerHandle,
  MessageBroker,
  MessageHeaders,
} from '../broker.js';
import { ConsumerEntry, type MemoryCounters } from './consumer-entry.js';
import { Queue } from './queue.js';
import { Topic } from './topic.js';

export interface MemoryBrokerOptions {
  /** Destinations with these prefixes are queues (one consumer per message); all others fan out. Default `['/queue/']`. */
  readonly queuePrefixes?: readonly string[];
  /** Messages a queue holds while no consumer can take them; the oldest is dropped past it. Default 1000. */
  readonly maxQueuedMessages?: number;
  /** Times a NACKed or abandoned message is delivered again before it is dropped. Default 5. */
  readonly maxRedeliveries?: number;
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
  private published = 0;
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
  }

  publish(destination: string, headers: MessageHeaders, body: string): string {
    if (this.closed) throw new Error('Sockwire memory broker: closed');
    const id = String(++this.lastId);
    this.published++;
    const target = this.isQueue(destination) ? this.obtain(destination) : this.destinations.get(destination);
    target?.publish({ destination, id, headers, body });
    if (target?.isIdle) this.destinations.delete(destination);
    return id;
  }

  subscribe(destination: string, consumer: Consumer, options: ConsumeOptions): ConsumerHandle {
    if (this.closed) throw new Error('Sockwire memory broker: closed');
    const entry = new ConsumerEntry(consumer, options.manualAck, options.prefetch ?? 0);
    const target = this.obtain(destination);
    target.add(entry);
    return {
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
    };
  }

  close(): void {
    this.closed = true;
    this.destinations.clear();
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
