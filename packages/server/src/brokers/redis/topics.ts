import type { Redis } from 'ioredis';
import type { ConsumeOptions, Consumer, ConsumerHandle } from '../broker.js';
import { ConsumerEntry, type MemoryCounters } from '../memory/consumer-entry.js';
import { Topic } from '../memory/topic.js';
import { decodeTopicPayload } from './codec.js';
import { GatedEntry } from './gated-entry.js';
import { type HistoryRead, noHistoryGap, type RedisHistory } from './history-store.js';
import type { RedisBrokerLog } from './options.js';

/** One Redis channel this node listens to, shared by every local subscriber of the destination. */
interface Channel {
  readonly destination: string;
  readonly topic: Topic;
  /** Local subscribers, counting those still waiting for the SUBSCRIBE to be confirmed. */
  refs: number;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  readonly subscribed: Promise<void>;
}

export interface TopicFanoutContext {
  readonly subscriber: Redis;
  readonly channelName: (destination: string) => string;
  readonly counters: MemoryCounters;
  readonly maxRedeliveries: number;
  readonly log: RedisBrokerLog;
  /** The error a failed SUBSCRIBE becomes. */
  readonly unavailable: (what: string, cause: unknown) => Error;
  readonly history: RedisHistory;
  /** The error a failed history read (on the command connection) becomes. */
  readonly readFailed: (what: string, cause: unknown) => Error;
}

/**
 * Topic-like destinations (`/topic/...`, `/user/...`) across nodes: every node subscribes once to the
 * destination's channel, however many local consumers it has, and hands each message to them as the memory
 * broker's Topic does (same fan-out, same NACK-to-the-same-consumer). Redis delivers a channel's messages in
 * the order they were published, which is what keeps each publisher's messages in order on every node.
 * A destination with history also gives every subscription its position, and replays to one that resumes
 * (gated-entry.ts for the switch to live).
 */
export class TopicFanout {
  private readonly channels = new Map<string, Channel>();
  private readonly context: TopicFanoutContext;

  constructor(context: TopicFanoutContext) {
    this.context = context;
    context.subscriber.on('message', this.onMessage);
  }

  get destinationCount(): number {
    return this.channels.size;
  }

  get consumerCount(): number {
    let count = 0;
    for (const channel of this.channels.values()) count += channel.topic.consumerCount;
    return count;
  }

  async subscribe(destination: string, consumer: Consumer, options: ConsumeOptions): Promise<ConsumerHandle> {
    const name = this.context.channelName(destination);
    let channel = this.channels.get(name);
    if (channel === undefined) {
      const subscribed = this.context.subscriber.subscribe(name).then(() => undefined);
      channel = {
        destination,
        topic: new Topic(this.context.counters, this.context.maxRedeliveries),
        refs: 0,
        subscribed,
      };
      this.channels.set(name, channel);
    }
    channel.refs++;
    try {
      await channel.subscribed;
    } catch (error) {
      this.unref(name, channel);
      throw this.context.unavailable(`subscribe to ${destination}`, error);
    }
    const { history } = this.context;
    if (!history.keeps(destination)) {
      const gap = noHistoryGap(options.resume);
      if (gap !== undefined) consumer.gap?.(gap);
      const entry = new ConsumerEntry(consumer, options.manualAck, options.prefetch ?? 0);
      channel.topic.add(entry);
      return { retained: false, ...this.handle(name, channel, entry) };
    }
    const entry = new GatedEntry(consumer, options.manualAck, options.prefetch ?? 0, this.context.counters);
    // Joined before the read is sent: whatever is published after the read executes reaches this entry.
    channel.topic.add(entry);
    let read: HistoryRead;
    try {
      read = await history.read(destination, options.resume);
    } catch (error) {
      entry.cancelled = true;
      channel.topic.remove(entry);
      this.unref(name, channel);
      throw this.context.readFailed(`read the history of ${destination}`, error);
    }
    if (read.gap !== undefined) consumer.gap?.(read.gap);
    history.replayed += read.messages.length;
    entry.replayThenOpen(read.messages, read.position);
    return { position: read.position, ...this.handle(name, channel, entry) };
  }

  private handle(name: string, channel: Channel, entry: ConsumerEntry): ConsumerHandle {
    const { topic } = channel;
    return {
      ack: (tag) => {
        if (!entry.cancelled) topic.ack(entry, tag);
      },
      nack: (tag) => {
        if (!entry.cancelled) topic.nack(entry, tag);
      },
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        topic.remove(entry);
        this.unref(name, channel);
      },
    };
  }

  /** Forget every channel (the broker is closing; its connection goes with it). */
  clear(): void {
    this.channels.clear();
    this.context.subscriber.off('message', this.onMessage);
  }

  private unref(name: string, channel: Channel): void {
    channel.refs--;
    if (channel.refs > 0 || this.channels.get(name) !== channel) return;
    this.channels.delete(name);
    this.unsubscribe(name);
  }

  private unsubscribe(name: string): void {
    // Failing here (Redis is down) leaves at worst a channel nobody listens to: its messages are dropped
    // below, and the first of them unsubscribes again.
    this.context.subscriber.unsubscribe(name).catch((error: unknown) => {
      this.context.log('debug', `Redis broker: UNSUBSCRIBE ${name} failed: ${String(error)}`);
    });
  }

  private readonly onMessage = (name: string, payload: string): void => {
    const channel = this.channels.get(name);
    if (channel === undefined) {
      this.unsubscribe(name);
      return;
    }
    const message = decodeTopicPayload(channel.destination, payload);
    if (message === undefined) {
      this.context.counters.discarded++;
      this.context.log('error', `Redis broker: dropped a malformed message on ${name}`);
      return;
    }
    channel.topic.publish(message);
  };
}
