import type { BrokerMessage } from '../broker.js';
import type { ResolvedHistory } from '../history.js';

/** One retained message and when it was appended (for the time limit). */
interface Retained {
  readonly message: BrokerMessage;
  readonly at: number;
  readonly bytes: number;
}

/**
 * The retained history of one destination: its newest messages with consecutive offsets, within a size and a
 * time limit. Offsets are assigned here, so they are consecutive per destination whatever else the broker does.
 */
export class MessageStream {
  readonly epoch: string;
  private readonly retained: Retained[] = [];
  /** Index of the oldest live entry in `retained` (dropping from the front is amortised, not shifted). */
  private head = 0;
  private nextOffset = 0;
  readonly size: number;
  readonly ttlMs: number;
  lastAppend = 0;

  constructor(epoch: string, size: number, ttlMs: number) {
    this.epoch = epoch;
    this.size = size;
    this.ttlMs = ttlMs;
  }

  get first(): number {
    return this.nextOffset - (this.retained.length - this.head);
  }

  get next(): number {
    return this.nextOffset;
  }

  get isEmpty(): boolean {
    return this.head === this.retained.length;
  }

  /** Numbers `message` and keeps it; returns the numbered message and the bytes dropped to make room. */
  append(
    message: Omit<BrokerMessage, 'offset' | 'epoch'>,
    now: number,
  ): { message: BrokerMessage; added: number; dropped: number } {
    const numbered: BrokerMessage = { ...message, offset: this.nextOffset++, epoch: this.epoch };
    const bytes = weigh(numbered);
    this.retained.push({ message: numbered, at: now, bytes });
    this.lastAppend = now;
    let dropped = this.expire(now);
    while (this.retained.length - this.head > this.size) dropped += this.dropOldest();
    return { message: numbered, added: bytes, dropped };
  }

  /** Drops messages past the time limit; returns their bytes. */
  expire(now: number): number {
    let dropped = 0;
    while (!this.isEmpty && now - (this.retained[this.head] as Retained).at >= this.ttlMs) {
      dropped += this.dropOldest();
    }
    return dropped;
  }

  /** Drops the oldest message; returns its bytes. */
  dropOldest(): number {
    const oldest = this.retained[this.head];
    if (oldest === undefined) return 0;
    this.retained[this.head++] = undefined as unknown as Retained;
    if (this.head > 64 && this.head * 2 > this.retained.length) {
      this.retained.splice(0, this.head);
      this.head = 0;
    }
    return oldest.bytes;
  }

  /** The retained messages from `offset` on, oldest first. */
  since(offset: number): BrokerMessage[] {
    const start = this.head + Math.max(0, offset - this.first);
    const out: BrokerMessage[] = [];
    for (let i = start; i < this.retained.length; i++) out.push((this.retained[i] as Retained).message);
    return out;
  }
}

/**
 * Every destination's stream, within the broker-wide limits: at most `maxDestinations` streams (the one appended
 * to least recently goes first) and `maxBytes` retained in all (the oldest messages of the least recently
 * appended streams go first). A stream that is dropped, or that expired entirely, starts a new epoch if it is
 * needed again.
 */
export class StreamStore {
  /** Insertion order is append order: the first entry is the stream appended to least recently. */
  private readonly streams = new Map<string, MessageStream>();
  private readonly history: ResolvedHistory;
  private readonly brokerEpoch: string;
  private serial = 0;
  private bytes = 0;

  constructor(history: ResolvedHistory, brokerEpoch: string) {
    this.history = history;
    this.brokerEpoch = brokerEpoch;
  }

  get destinations(): number {
    return this.streams.size;
  }

  get retainedBytes(): number {
    return this.bytes;
  }

  /** Whether `destination` keeps history at all (its limits are not zero). */
  keeps(destination: string): boolean {
    return this.history.limitsFor(destination) !== undefined;
  }

  /** Numbers and keeps a message published to `destination`, or returns it as is if it keeps no history. */
  append(message: Omit<BrokerMessage, 'offset' | 'epoch'>, now: number): BrokerMessage {
    const limits = this.history.limitsFor(message.destination);
    if (limits === undefined) return message;
    this.sweep(now);
    let stream = this.streams.get(message.destination);
    if (stream === undefined) {
      stream = new MessageStream(
        `${this.brokerEpoch}-${(++this.serial).toString(36)}`,
        limits.size,
        limits.ttlMs,
      );
    } else {
      this.streams.delete(message.destination);
    }
    this.streams.set(message.destination, stream);
    const { message: numbered, added, dropped } = stream.append(message, now);
    this.bytes += added - dropped;
    this.enforceLimits(message.destination);
    return numbered;
  }

  /** The stream of `destination` as it stands now (expired messages dropped), if it has one. */
  get(destination: string, now: number): MessageStream | undefined {
    const stream = this.streams.get(destination);
    if (stream === undefined) return undefined;
    this.bytes -= stream.expire(now);
    if (stream.isEmpty) {
      // Nothing is left to resume from: the numbering ends with it, and a new stream is a new epoch.
      this.streams.delete(destination);
      return undefined;
    }
    return stream;
  }

  clear(): void {
    this.streams.clear();
    this.bytes = 0;
  }

  /** Drops streams whose every message expired, oldest append first (so the scan stops at the first live one). */
  private sweep(now: number): void {
    for (const [destination, stream] of this.streams) {
      if (now - stream.lastAppend < stream.ttlMs) break;
      this.bytes -= stream.expire(now);
      if (stream.isEmpty) this.streams.delete(destination);
    }
  }

  private enforceLimits(current: string): void {
    while (this.streams.size > this.history.maxDestinations) {
      const [oldest, stream] = this.streams.entries().next().value as [string, MessageStream];
      while (!stream.isEmpty) this.bytes -= stream.dropOldest();
      this.streams.delete(oldest);
    }
    for (const [destination, stream] of this.streams) {
      if (this.bytes <= this.history.maxBytes) break;
      // The newest message of the current destination stays: it is the one just published.
      while (
        this.bytes > this.history.maxBytes &&
        !(destination === current && stream.first === stream.next - 1)
      ) {
        if (stream.isEmpty) break;
        this.bytes -= stream.dropOldest();
      }
    }
  }
}

/** Rough retained size of a message: its body and header text (UTF-16 length; enough for a budget). */
function weigh(message: BrokerMessage): number {
  let bytes = message.body.length + message.destination.length + message.id.length + 64;
  for (const [name, value] of message.headers) bytes += name.length + value.length + 2;
  return bytes;
}
