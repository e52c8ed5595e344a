import type { Consumer } from '../broker.js';
import type { StreamMessage } from './codec.js';

/** A local subscriber of a Redis queue, and the stream entries it holds unacknowledged. */
export class QueueConsumer {
  readonly consumer: Consumer;
  readonly manualAck: boolean;
  /** Unacknowledged deliveries allowed; 0 = as many as the node reads at once. */
  readonly prefetch: number;
  /** Insertion-ordered, so that a cancelled consumer's messages go back in the order they came. */
  readonly unacked = new Map<number, StreamMessage>();
  cancelled = false;
  private lastTag = 0;

  constructor(consumer: Consumer, manualAck: boolean, prefetch: number) {
    this.consumer = consumer;
    this.manualAck = manualAck;
    this.prefetch = manualAck ? prefetch : 0;
  }

  /** Deliveries this consumer can take now, at most `batch`. */
  free(batch: number): number {
    if (this.cancelled) return 0;
    if (this.prefetch === 0) return batch;
    return Math.min(batch, Math.max(0, this.prefetch - this.unacked.size));
  }

  /** Hand over a message; with manual acks it is remembered until ACK, NACK or cancel. */
  deliver(entry: StreamMessage): void {
    const tag = ++this.lastTag;
    if (this.manualAck) this.unacked.set(tag, entry);
    this.consumer.deliver({ message: entry.message, redelivered: entry.attempts > 0, tag });
  }

  take(tag: number): StreamMessage | undefined {
    const entry = this.unacked.get(tag);
    if (entry !== undefined) this.unacked.delete(tag);
    return entry;
  }
}
