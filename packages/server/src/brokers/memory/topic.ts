import type { BrokerMessage } from '../broker.js';
import type { ConsumerEntry, MemoryCounters } from './consumer-entry.js';

/** A broadcast destination: every consumer gets every message; nothing is kept when nobody listens. */
export class Topic {
  private readonly entries = new Set<ConsumerEntry>();
  private readonly counters: MemoryCounters;
  private readonly maxRedeliveries: number;

  constructor(counters: MemoryCounters, maxRedeliveries: number) {
    this.counters = counters;
    this.maxRedeliveries = maxRedeliveries;
  }

  get consumerCount(): number {
    return this.entries.size;
  }

  get isIdle(): boolean {
    return this.entries.size === 0;
  }

  get queued(): number {
    return 0;
  }

  add(entry: ConsumerEntry): void {
    this.entries.add(entry);
  }

  remove(entry: ConsumerEntry): void {
    // Unacked topic messages belong to this subscription alone: with it gone there is nobody to redeliver to.
    this.entries.delete(entry);
    entry.unacked.clear();
  }

  publish(message: BrokerMessage): void {
    // A Set tolerates deletion while iterating: a slow consumer closed by its own delivery is simply skipped.
    for (const entry of this.entries) {
      if (entry.cancelled) continue;
      this.counters.delivered++;
      entry.deliver({ message, redelivered: false, attempts: 0 });
    }
  }

  ack(entry: ConsumerEntry, tag: number): void {
    entry.take(tag);
  }

  nack(entry: ConsumerEntry, tag: number): void {
    const held = entry.take(tag);
    if (held === undefined || entry.cancelled) return;
    if (held.attempts >= this.maxRedeliveries) {
      this.counters.discarded++;
      return;
    }
    this.counters.redelivered++;
    entry.deliver({ message: held.message, redelivered: true, attempts: held.attempts + 1 });
  }
}
