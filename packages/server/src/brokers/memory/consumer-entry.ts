import type { BrokerMessage, Consumer } from '../broker.js';

/** A message waiting in a queue, or out for delivery and not yet acknowledged. */
export interface HeldMessage {
  readonly message: BrokerMessage;
  readonly redelivered: boolean;
  /** Deliveries so far that were rejected or abandoned, compared with the redelivery limit. */
  readonly attempts: number;
}

/** The broker's view of one subscription: its consumer, its ack mode and what it has not acknowledged. */
export class ConsumerEntry {
  readonly consumer: Consumer;
  readonly manualAck: boolean;
  readonly prefetch: number;
  /** Insertion-ordered, so a cancelled consumer's messages return to the queue in their original order. */
  readonly unacked = new Map<number, HeldMessage>();
  cancelled = false;
  private lastTag = 0;

  constructor(consumer: Consumer, manualAck: boolean, prefetch: number) {
    this.consumer = consumer;
    this.manualAck = manualAck;
    this.prefetch = manualAck ? prefetch : 0;
  }

  get hasCapacity(): boolean {
    return !this.cancelled && (this.prefetch === 0 || this.unacked.size < this.prefetch);
  }

  /** Hand a message to the consumer, remembering it until acknowledged when acks are manual. */
  deliver(held: HeldMessage): void {
    const tag = ++this.lastTag;
    if (this.manualAck) this.unacked.set(tag, held);
    this.consumer.deliver({ message: held.message, redelivered: held.redelivered, tag });
  }

  take(tag: number): HeldMessage | undefined {
    const held = this.unacked.get(tag);
    if (held !== undefined) this.unacked.delete(tag);
    return held;
  }
}

/** Counters the destinations update and the broker reports. */
export interface MemoryCounters {
  delivered: number;
  redelivered: number;
  discarded: number;
}
