import type { BrokerMessage } from '../broker.js';
import type { ConsumerEntry, HeldMessage, MemoryCounters } from './consumer-entry.js';

/**
 * A point-to-point destination with competing consumers: each message goes to one consumer, chosen round
 * robin among those with prefetch capacity. Messages nobody can take yet are held, at most `maxQueued` of
 * them; past that the oldest is dropped (a chat backlog is worth less the older it is, and an unbounded queue
 * nobody reads is a memory leak). Rejected and abandoned messages go back to the front, marked redelivered.
 */
export class Queue {
  private readonly entries: ConsumerEntry[] = [];
  private pending: HeldMessage[] = [];
  private next = 0;
  private dispatching = false;
  private dispatchAgain = false;
  private readonly counters: MemoryCounters;
  private readonly maxQueued: number;
  private readonly maxRedeliveries: number;

  constructor(counters: MemoryCounters, maxQueued: number, maxRedeliveries: number) {
    this.counters = counters;
    this.maxQueued = maxQueued;
    this.maxRedeliveries = maxRedeliveries;
  }

  get consumerCount(): number {
    return this.entries.length;
  }

  get queued(): number {
    return this.pending.length;
  }

  get isIdle(): boolean {
    return this.entries.length === 0 && this.pending.length === 0;
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
  }

  publish(message: BrokerMessage): void {
    this.pending.push({ message, redelivered: false, attempts: 0 });
    this.dispatch();
    while (this.pending.length > this.maxQueued) {
      this.pending.shift();
      this.counters.discarded++;
    }
  }

  ack(entry: ConsumerEntry, tag: number): void {
    if (entry.take(tag) !== undefined) this.dispatch();
  }

  nack(entry: ConsumerEntry, tag: number): void {
    const held = entry.take(tag);
    if (held === undefined) return;
    const again = this.retry(held);
    if (again !== undefined) this.pending.unshift(again);
    this.dispatch();
  }

  /** The message as it goes back to the queue, or undefined (and counted) when it is past the limit. */
  private retry(held: HeldMessage): HeldMessage | undefined {
    if (held.attempts >= this.maxRedeliveries) {
      this.counters.discarded++;
      return undefined;
    }
    return { message: held.message, redelivered: true, attempts: held.attempts + 1 };
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
