import type { BrokerMessage } from '../broker.js';
import type { ResolvedHistory } from '../history.js';
import { messageBytes } from './message-size.js';

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
    const bytes = messageBytes(numbered);
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

  /** Up to `limit` retained messages from `offset` on, oldest first. */
  since(offset: number, limit = Number.POSITIVE_INFINITY): BrokerMessage[] {
    const start = this.head + Math.max(0, offset - this.first);
    const end = Math.min(this.retained.length, start + limit);
    const out: BrokerMessage[] = [];
    for (let i = start; i < end; i++) out.push((this.retained[i] as Retained).message);
    return out;
  }
}

/**
 * Every destination's stream, within the broker-wide limits: at most `maxDestinations` streams and `maxBytes`
 * retained in all. A stream outlives its messages: once they all expired it keeps its epoch and next offset, so
 * that its numbering goes on and a client that missed the expired messages is told (truncated), not served a
 * silently shorter history. A stream is created when a destination with history is first published to or
 * subscribed to, so every subscriber learns an epoch. Past `maxDestinations`, streams without messages go first,
 * then the one appended to least recently; past `maxBytes`, the oldest messages of the least recently appended
 * streams go first. A dropped stream starts a new epoch if it is needed again.
 */
export class StreamStore {
  /** Insertion order is append (or creation) order: the first entry is the least recently appended. */
  private readonly streams = new Map<string, MessageStream>();
  private readonly history: ResolvedHistory;
  private readonly brokerEpoch: string;
  private serial = 0;
  private bytes = 0;

  constructor(history: ResolvedHistory, brokerEpoch: string) {
    this.history = history;
    this.brokerEpoch = brokerEpoch;
  }

  /** Destinations with a numbering, including those whose messages have all expired. */
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
    const stream = this.obtain(message.destination, now);
    if (stream === undefined) return message;
    // Most recently appended last: the eviction order.
    this.streams.delete(message.destination);
    this.streams.set(message.destination, stream);
    const { message: numbered, added, dropped } = stream.append(message, now);
    this.bytes += added - dropped;
    this.enforceLimits(message.destination, stream);
    return numbered;
  }

  /** The stream of `destination` with expired messages dropped, created if the destination keeps history. */
  obtain(destination: string, now: number): MessageStream | undefined {
    const existing = this.streams.get(destination);
    if (existing !== undefined) {
      this.bytes -= existing.expire(now);
      return existing;
    }
    const limits = this.history.limitsFor(destination);
    if (limits === undefined) return undefined;
    const stream = new MessageStream(
      `${this.brokerEpoch}-${(++this.serial).toString(36)}`,
      limits.size,
      limits.ttlMs,
    );
    this.streams.set(destination, stream);
    this.enforceLimits(destination, stream);
    return stream;
  }

  /** Drops `stream`'s expired messages (counting their bytes out if the store keeps it). */
  expire(destination: string, stream: MessageStream, now: number): void {
    const dropped = stream.expire(now);
    if (this.streams.get(destination) === stream) this.bytes -= dropped;
  }

  /** The current stream of `destination`, if any (no expiry, no creation): a replay checks it is still its own. */
  peek(destination: string): MessageStream | undefined {
    return this.streams.get(destination);
  }

  clear(): void {
    this.streams.clear();
    this.bytes = 0;
  }

  private enforceLimits(currentDestination: string, current: MessageStream): void {
    if (this.streams.size > this.history.maxDestinations) {
      for (const [destination, stream] of this.streams) {
        if (this.streams.size <= this.history.maxDestinations) break;
        if (stream.isEmpty && stream !== current) this.streams.delete(destination);
      }
      // A numbering created by a SUBSCRIBE (no message yet) never pushes out a history: it stays unkept, and a
      // resume from it later is told it missed its epoch (a spurious gap, never a silent loss).
      if (this.streams.size > this.history.maxDestinations && current.isEmpty) {
        this.streams.delete(currentDestination);
      }
      for (const [destination, stream] of this.streams) {
        if (this.streams.size <= this.history.maxDestinations) break;
        if (stream === current) continue;
        while (!stream.isEmpty) this.bytes -= stream.dropOldest();
        this.streams.delete(destination);
      }
    }
    for (const stream of this.streams.values()) {
      if (this.bytes <= this.history.maxBytes) break;
      // The message just published stays, even alone over the budget: it is the one being delivered.
      const keep = stream === current ? 1 : 0;
      while (this.bytes > this.history.maxBytes && stream.next - stream.first > keep) {
        this.bytes -= stream.dropOldest();
      }
    }
  }
}
