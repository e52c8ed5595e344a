import { type BrokerMessage, BrokerQuotaError } from '../broker.js';
import type { MemoryCounters } from './consumer-entry.js';
import { messageBytes } from './message-size.js';
import { Queue, type QueueBudget, type QueueLimits } from './queue.js';

export interface QueueQuotas extends QueueLimits {
  /** Queues at once. */
  readonly maxQueues: number;
  /** Bytes all queues hold together, waiting or unacknowledged. */
  readonly maxTotalQueuedBytes: number;
  /** Ms a queue may go without a consumer and without a publish before it is dropped with its messages. */
  readonly idleTtlMs: number;
}

/**
 * The memory broker's queues and the quotas on them as a whole. Every queue name a client sends to used to
 * become a queue of up to `maxQueued` messages, kept forever: memory any client could grow without limit.
 * Here a queue lives while it is used: once it has no consumer, it is dropped with its messages after
 * `idleTtlMs` without a publish. It also stays that long when it holds nothing, so that "this queue exists" (what
 * the STOMP layer's `'create'` authorization asks) does not flip each time a consumer drains it.
 *
 * The broker-wide quotas refuse (BrokerQuotaError) rather than drop: making room by dropping other queues'
 * messages would let one client destroy what others sent. The only thing dropped to make room is a vacant queue
 * (no consumer, nothing held), which loses nothing.
 *
 * Expiry is lazy, on the broker's own calls and its clock (no timer): `idle` keeps the queues without a
 * consumer in the order they were last used, so the expired ones are always at its front.
 */
export class QueueRegistry {
  private readonly queues = new Map<string, Queue>();
  /** Queues without a consumer, least recently used first, with when that was. */
  private readonly idle = new Map<string, number>();
  private readonly budget: QueueBudget = { bytes: 0 };
  private readonly counters: MemoryCounters;
  private readonly quotas: QueueQuotas;
  private readonly now: () => number;

  constructor(counters: MemoryCounters, quotas: QueueQuotas, now: () => number) {
    this.counters = counters;
    this.quotas = quotas;
    this.now = now;
  }

  get size(): number {
    return this.queues.size;
  }

  /** Bytes held by every queue, waiting or unacknowledged. */
  get bytes(): number {
    return this.budget.bytes;
  }

  values(): IterableIterator<Queue> {
    return this.queues.values();
  }

  /** Whether the queue exists now (not expired). */
  has(destination: string): boolean {
    this.expire();
    return this.queues.has(destination);
  }

  /** Hold or deliver `message`; throws BrokerQuotaError when the queue or its bytes would pass a quota. */
  publish(destination: string, message: BrokerMessage): void {
    this.expire();
    const bytes = messageBytes(message);
    const { maxQueuedBytes, maxTotalQueuedBytes } = this.quotas;
    if (bytes > maxQueuedBytes) {
      throw new BrokerQuotaError(
        'maxQueuedBytes',
        maxQueuedBytes,
        `a message of ${bytes} bytes is larger than a queue may hold (maxQueuedBytes ${maxQueuedBytes})`,
      );
    }
    if (this.budget.bytes + bytes > maxTotalQueuedBytes) {
      throw new BrokerQuotaError(
        'maxTotalQueuedBytes',
        maxTotalQueuedBytes,
        `queues hold ${this.budget.bytes} bytes; a message of ${bytes} more would pass maxTotalQueuedBytes ${maxTotalQueuedBytes}`,
      );
    }
    const queue = this.obtain(destination);
    queue.publish(message);
    // Publishing keeps a queue without consumers alive for another idle period.
    if (queue.consumerCount === 0) this.markIdle(destination);
  }

  /** The queue a consumer joins, created if need be (which may pass maxQueues). */
  obtain(destination: string): Queue {
    this.expire();
    let queue = this.queues.get(destination);
    if (queue === undefined) {
      this.makeRoom(destination);
      queue = new Queue(this.counters, this.quotas, this.budget);
      this.queues.set(destination, queue);
      this.markIdle(destination);
    }
    return queue;
  }

  /** A consumer joined `destination`'s queue: it no longer ages. */
  joined(destination: string): void {
    this.idle.delete(destination);
  }

  /** A consumer left: once none is left, the queue starts to age. */
  left(destination: string, queue: Queue): void {
    if (this.queues.get(destination) !== queue || queue.consumerCount > 0) return;
    this.markIdle(destination);
  }

  clear(): void {
    for (const queue of this.queues.values()) queue.drain();
    this.queues.clear();
    this.idle.clear();
  }

  /** Drop queues idle for `idleTtlMs` or more, with their messages (counted as discarded). */
  expire(): void {
    const cutoff = this.now() - this.quotas.idleTtlMs;
    for (const [destination, since] of this.idle) {
      if (since > cutoff) break;
      this.drop(destination);
    }
  }

  /** At maxQueues, drop the least recently used vacant queue, or refuse to create `destination`. */
  private makeRoom(destination: string): void {
    const { maxQueues } = this.quotas;
    if (this.queues.size < maxQueues) return;
    for (const candidate of this.idle.keys()) {
      if (this.queues.get(candidate)?.isVacant) {
        this.drop(candidate);
        return;
      }
    }
    throw new BrokerQuotaError(
      'maxQueues',
      maxQueues,
      `the broker holds at most ${maxQueues} queues (maxQueues); ${destination} cannot be created`,
    );
  }

  private markIdle(destination: string): void {
    // Re-inserted, so that the map stays ordered by last use.
    this.idle.delete(destination);
    this.idle.set(destination, this.now());
  }

  private drop(destination: string): void {
    const queue = this.queues.get(destination);
    this.idle.delete(destination);
    if (queue === undefined) return;
    this.queues.delete(destination);
    this.counters.discarded += queue.drain();
  }
}
