import type { BrokerMessage } from '../broker.js';
import type { ConsumerEntry, HeldMessage, MemoryCounters } from './consumer-entry.js';
import { messageBytes } from './message-size.js';

/** What every queue of a broker shares: the bytes all of them hold, which a broker-wide quota bounds. */
export interface QueueBudget {
  bytes: number;
}

export interface QueueLimits {
  /** Messages waiting for a consumer; past it the oldest is dropped. */
  readonly maxQueued: number;
  /** Bytes of the messages waiting for a consumer; past it the oldest are dropped. */
  readonly maxQueuedBytes: number;
  readonly maxRedeliveries: number;
}

/**
 * A point-to-point destination with competing consumers: each message goes to one consumer, chosen round
 * robin among those with prefetch capacity. Messages nobody can take yet are held, at most `maxQueued` of
 * them and `maxQueuedBytes` in all; past that the oldest are dropped (a chat backlog is worth less the older it
 * is, and an unbounded queue nobody reads is a memory leak). Rejected and abandoned messages go back to the
 * front, marked redelivered.
 *
 * Bytes are accounted twice: `pendingBytes` (waiting, what the per-queue limit bounds) and, in the shared
 * budget, everything the queue owns, including messages out with a manual-ack consumer, since those may come
 * back and stay in memory until acknowledged.
 */
export class Queue {
  private readonly entries: ConsumerEntry[] = [];
  private pending: HeldMessage[] = [];
  private pendingBytes = 0;
  /** Bytes of messages delivered to manual-ack consumers and not yet settled. */
  private outBytes = 0;
  private next = 0;
  private dispatching = false;
  private dispatchAgain = false;
  private readonly counters: MemoryCounters;
  private readonly limits: QueueLimits;
  private readonly budget: QueueBudget;

  constructor(counters: MemoryCounters, limits: QueueLimits, budget: QueueBudget) {
    this.counters = counters;
    this.limits = limits;
    this.budget = budget;
  }

  get consumerCount(): number {
    return this.entries.length;
  }

  get queued(): number {
    return this.pending.length;
  }

  /** Holds nothing and nobody consumes it: dropping it loses nothing. */
  get isVacant(): boolean {
    return this.entries.length === 0 && this.pending.length === 0 && this.outBytes === 0;
  }

  add(entry: ConsumerEntry): void {
    this.entries.push(entry);
    this.dispatch();
  }

  remove(entry: ConsumerEntry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) {
      this.entries.splice(index, 1);
      if (this.next > index) this.next--;
    }
    // Abandoned messages count as an attempt, so a message that crashes every consumer cannot loop forever.
    const returned: HeldMessage[] = [];
    for (const held of entry.unacked.values()) {
      const again = this.retry(held);
      if (again !== undefined) returned.push(again);
    }
    entry.unacked.clear();
    if (returned.length > 0) this.pending = [...returned, ...this.pending];
    this.dispatch();
    this.trim();
  }

  publish(message: BrokerMessage): void {
    const bytes = messageBytes(message);
    this.pending.push({ message, redelivered: false, attempts: 0 });
    this.pendingBytes += bytes;
    this.budget.bytes += bytes;
    this.dispatch();
    this.trim();
  }

  ack(entry: ConsumerEntry, tag: number): void {
    const held = entry.take(tag);
    if (held === undefined) return;
    this.release(messageBytes(held.message));
    this.dispatch();
  }

  nack(entry: ConsumerEntry, tag: number): void {
    const held = entry.take(tag);
    if (held === undefined) return;
    const again = this.retry(held);
    if (again !== undefined) this.pending.unshift(again);
    this.dispatch();
    this.trim();
  }

  /**
   * Drop everything held (the queue expired, or the broker closed); returns how many waiting messages went.
   * Consumers still attached (only at close) forget theirs too, so a late cancel cannot count them out twice.
   */
  drain(): number {
    const dropped = this.pending.length;
    for (const entry of this.entries) entry.unacked.clear();
    this.entries.length = 0;
    this.budget.bytes -= this.pendingBytes + this.outBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.outBytes = 0;
    return dropped;
  }

  /** A settled delivery leaves the queue's memory. */
  private release(bytes: number): void {
    this.outBytes -= bytes;
    this.budget.bytes -= bytes;
  }

  /**
   * The message as it goes back to the queue, or undefined (and counted) when it is past the limit. Either way
   * it is no longer out with a consumer.
   */
  private retry(held: HeldMessage): HeldMessage | undefined {
    const bytes = messageBytes(held.message);
    if (held.attempts >= this.limits.maxRedeliveries) {
      this.release(bytes);
      this.counters.discarded++;
      return undefined;
    }
    this.outBytes -= bytes;
    this.pendingBytes += bytes;
    return { message: held.message, redelivered: true, attempts: held.attempts + 1 };
  }

  /** Drop the oldest waiting messages past the per-queue limits. */
  private trim(): void {
    const { maxQueued, maxQueuedBytes } = this.limits;
    while (
      this.pending.length > maxQueued ||
      (this.pendingBytes > maxQueuedBytes && this.pending.length > 0)
    ) {
      const held = this.pending.shift() as HeldMessage;
      const bytes = messageBytes(held.message);
      this.pendingBytes -= bytes;
      this.budget.bytes -= bytes;
      this.counters.discarded++;
    }
  }

  /**
   * Hand out held messages while some consumer has capacity. A delivery can re-enter (a consumer closed by
   * its own delivery returns its messages), so nested calls only ask the running loop for another pass.
   */
  private dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        while (this.pending.length > 0) {
          const entry = this.pickConsumer();
          if (entry === undefined) break;
          const held = this.pending.shift() as HeldMessage;
          const bytes = messageBytes(held.message);
          this.pendingBytes -= bytes;
          // Accounted before delivering: the consumer may settle it, or return it, from inside `deliver`.
          if (entry.manualAck) this.outBytes += bytes;
          else this.budget.bytes -= bytes;
          this.counters.delivered++;
          if (held.redelivered) this.counters.redelivered++;
          entry.deliver(held);
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private pickConsumer(): ConsumerEntry | undefined {
    const count = this.entries.length;
    for (let step = 0; step < count; step++) {
      const index = (this.next + step) % count;
      const entry = this.entries[index] as ConsumerEntry;
      if (entry.hasCapacity) {
        this.next = (index + 1) % count;
        return entry;
      }
    }
    return undefined;
  }
}
