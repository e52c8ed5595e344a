import type { BrokerMessage, Consumer, StreamPosition } from '../broker.js';
import { ConsumerEntry, type HeldMessage, type MemoryCounters } from '../memory/consumer-entry.js';

/**
 * A local subscriber of a topic with history, from the moment it joins the channel's fan-out until it is live:
 * the replay-to-live switch without a gap or a duplicate.
 *
 * The subscription joins the fan-out first (the node's SUBSCRIBE to the channel is already confirmed), then
 * reads the history in one script. Every message published after that read executed has an offset at or above
 * the read's `next` and reaches this node afterwards, so it arrives here: nothing is missed. Messages published
 * between the SUBSCRIBE and the read arrive too, but are also in the replay (or before the start): they are
 * skipped by their offset. Live messages are held until the replay has been handed over, and the check by
 * offset stays on afterwards, because the channel's connection may lag behind the read's reply. The replay
 * goes out as fast as the consumer takes it (`whenWritable`), so a long history does not overflow a slow
 * client; live messages wait in `held` meanwhile.
 *
 * A message of another epoch is always delivered: it belongs to another numbering (Redis lost the history
 * meanwhile), and the client sees the new epoch in it.
 */
export class GatedEntry extends ConsumerEntry {
  /** Live messages held during the replay; undefined once live. */
  private held: HeldMessage[] | undefined = [];
  private start: StreamPosition | undefined;
  private readonly counters: MemoryCounters;

  constructor(consumer: Consumer, manualAck: boolean, prefetch: number, counters: MemoryCounters) {
    super(consumer, manualAck, prefetch);
    this.counters = counters;
  }

  override deliver(held: HeldMessage): void {
    // A NACKed message coming back was let through before (or replayed): it is not checked again.
    if (held.redelivered) {
      super.deliver(held);
      return;
    }
    if (this.held !== undefined) {
      this.held.push(held);
      return;
    }
    if (this.precedesStart(held.message)) {
      // The fan-out counted it as delivered.
      this.counters.delivered--;
      return;
    }
    super.deliver(held);
  }

  /**
   * Hand over the replayed messages (oldest first), pausing whenever the consumer asks to, then go live from
   * `start`. Returns at once when the consumer cannot take everything now; the rest follows as it drains.
   */
  replayThenOpen(messages: readonly BrokerMessage[], start: StreamPosition): void {
    let index = 0;
    const pump = (): void => {
      while (index < messages.length) {
        if (this.cancelled) return;
        this.counters.delivered++;
        super.deliver({ message: messages[index++] as BrokerMessage, redelivered: false, attempts: 0 });
        if (this.consumer.whenWritable !== undefined && !this.consumer.whenWritable(pump)) return;
      }
      this.open(start);
    };
    pump();
  }

  /** Go live from `start`: the held messages first, those below it skipped. */
  private open(start: StreamPosition): void {
    this.start = start;
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of held) if (!this.cancelled) this.deliver(message);
  }

  private precedesStart(message: BrokerMessage): boolean {
    const start = this.start;
    return (
      start?.epoch !== undefined &&
      message.epoch === start.epoch &&
      message.offset !== undefined &&
      message.offset < start.next
    );
  }
}
