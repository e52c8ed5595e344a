import type { Redis } from 'ioredis';
import { BrokerQuotaError, type ConsumeOptions, type Consumer, type ConsumerHandle } from '../broker.js';
import type { MemoryCounters } from '../memory/consumer-entry.js';
import { decodeStreamEntry, type RawEntry } from './codec.js';
import { closeConnection, whenReady } from './connections.js';
import type { ResolvedRedisBrokerOptions } from './options.js';
import { QueueConsumer } from './queue-consumer.js';
import type { QueueIndex } from './queue-index.js';
import { READ_BLOCK_MS, StreamStore } from './stream-store.js';

export interface QueueContext {
  readonly command: Redis;
  readonly openReader: (destination: string) => Redis;
  readonly settings: ResolvedRedisBrokerOptions;
  readonly counters: MemoryCounters;
  /** The queues of the whole Redis: creation within the quotas, and this node's leases. */
  readonly index: QueueIndex;
  readonly unavailable: (what: string, cause: unknown) => Error;
  /** The queue lost its last subscriber; the broker forgets it and stops it. */
  readonly idle: (queue: StreamQueue) => void;
}

/**
 * One queue destination on this node: a Redis stream read through the shared consumer group, so that each
 * message goes to one node, and within the node round robin to one local consumer with capacity (as the
 * memory broker's Queue does). The node reads no more than its consumers can take (their free prefetch),
 * so messages are not hoarded by a busy node while another waits.
 *
 * A message stays pending in the group until ACKed, then is deleted (XACK + XDEL): the stream holds only
 * waiting and unacknowledged messages. NACK, cancel and a dead node's leftovers append the message again
 * (see scripts.ts), marked redelivered.
 */
export class StreamQueue {
  readonly destination: string;
  /** Waiting messages (not delivered to any node), as last sampled by a sweep. */
  queued = 0;
  readonly started: Promise<void>;
  /** This node holds a lease on the queue (taken by `start`): the janitor renews it, `stop` gives it up. */
  held = false;
  /** The name of that lease in Redis (QueueIndex.holderId). */
  readonly holder: string;
  private readonly context: QueueContext;
  private readonly store: StreamStore;
  private readonly consumers: QueueConsumer[] = [];
  private next = 0;
  /** Consumers, plus subscribes still waiting for `started`. */
  private refs = 0;
  private reader: Redis | undefined;
  private readerId: number | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly stopSignal: Promise<void>;
  private signalStop: () => void = () => {};

  constructor(destination: string, context: QueueContext) {
    this.destination = destination;
    this.context = context;
    this.holder = context.index.holderId();
    this.store = new StreamStore(
      destination,
      context.command,
      context.settings,
      context.counters,
      context.index,
    );
    this.stopSignal = new Promise((resolve) => {
      this.signalStop = resolve;
    });
    this.started = this.start();
    // Subscribers await `started` and see its failure; this only keeps it from counting as unhandled.
    this.started.catch(() => {});
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  async subscribe(consumer: Consumer, options: ConsumeOptions): Promise<ConsumerHandle> {
    this.refs++;
    try {
      await this.started;
    } catch (error) {
      this.unref();
      // A quota is the client's answer (ERROR naming it), not an outage to reconnect from.
      if (error instanceof BrokerQuotaError) throw error;
      throw this.context.unavailable(`subscribe to ${this.destination}`, error);
    }
    if (this.stopped) {
      // The broker closed while this subscribe waited.
      this.unref();
      throw this.context.unavailable(`subscribe to ${this.destination}`, new Error('the broker is closing'));
    }
    const entry = new QueueConsumer(consumer, options.manualAck, options.prefetch ?? 0);
    this.consumers.push(entry);
    this.wake();
    return {
      ack: (tag) => this.settle(entry, tag, false),
      nack: (tag) => this.settle(entry, tag, true),
      cancel: () => this.cancel(entry),
    };
  }

  /**
   * Give this node's leftovers back: entries of consumers whose node died, and entries pending for this
   * node that no local consumer holds (a read whose reply was lost, or a previous process with this node id)
   * once they have been idle `ownIdle` ms. Also samples the queue length for `stats()`.
   */
  async sweep(ownIdle: number): Promise<void> {
    try {
      this.queued = await this.store.sweepDead();
    } catch (error) {
      // The stream or its group is gone (Redis restarted empty, or someone deleted the key): start again.
      if (!/NOGROUP|no such key/i.test(String(error))) throw error;
      await this.store.ensureGroup(this.holder);
      this.queued = await this.store.sweepDead();
    }
    const held = this.heldIds();
    const lost = (await this.store.ownPending(ownIdle)).filter((id) => !held.has(id));
    if (lost.length === 0) return;
    this.context.settings.log(
      'info',
      `Redis broker: ${this.destination}: ${lost.length} message(s) pending here but held by nobody go back`,
    );
    await this.store.release(lost, 1);
  }

  /** Cancel every consumer (their messages go back to the queue), then stop. */
  async shutdown(): Promise<void> {
    await Promise.all(this.consumers.slice().map((entry) => this.cancel(entry)));
    await this.stop();
  }

  /** Stop reading and close the reader; every call gets the same promise. */
  stop(): Promise<void> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    this.wake();
    if (this.readerId !== undefined && this.context.command.status === 'ready') {
      // Ends the blocking read at once, with nothing read (as if it had timed out).
      await this.context.command.call('CLIENT', 'UNBLOCK', this.readerId).catch(() => undefined);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, READ_BLOCK_MS + 1000);
    });
    await Promise.race([this.loop, late]);
    clearTimeout(timer);
    await this.store.flushAcks();
    // A hold still in flight (a subscribe that the broker's close overtook) is given up too.
    await this.started.catch(() => undefined);
    if (this.held) {
      // Failing (Redis is down) only delays the queue's expiry: the lease ends `nodeTimeout` after its renewal.
      await this.context.index.unhold(this.destination, this.holder).catch((error: unknown) => {
        this.context.settings.log('debug', `Redis broker: leaving ${this.destination}: ${String(error)}`);
      });
    }
    if (this.reader !== undefined) await closeConnection(this.reader, 1000);
  }

  private async start(): Promise<void> {
    await this.store.ensureGroup(this.holder);
    this.held = true;
    // Nothing is held locally yet, so whatever is pending for this node is a leftover.
    await this.sweep(0);
    if (!this.stopped) this.loop = this.run();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const count = this.capacity();
      if (count === 0) {
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
        });
        continue;
      }
      try {
        const entries = await this.read(count);
        failures = 0;
        if (entries !== undefined) this.accept(entries);
      } catch (error) {
        if (this.stopped) break;
        failures++;
        const message = String(error);
        // NOGROUP: Redis lost its data (a restart without persistence); the group starts again, empty.
        if (message.includes('NOGROUP')) await this.store.ensureGroup(this.holder).catch(() => undefined);
        this.context.settings.log(
          failures === 1 ? 'error' : 'debug',
          `Redis broker: reading ${this.destination} failed: ${message}`,
        );
        await this.pause(Math.min(2000, 50 * 2 ** failures));
      }
    }
  }

  /** One blocking read of up to `count` new entries; undefined when stopped while waiting for Redis. */
  private async read(count: number): Promise<RawEntry[] | undefined> {
    const reader = this.openReader();
    const ready = await Promise.race([
      whenReady(reader, this.context.settings.nodeTimeout).then(() => true),
      this.stopSignal.then(() => false),
    ]);
    if (!ready) return undefined;
    if (this.readerId === undefined) this.readerId = Number(await reader.call('CLIENT', 'ID'));
    return this.store.read(reader, count);
  }

  private openReader(): Redis {
    if (this.reader !== undefined) return this.reader;
    const reader = this.context.openReader(this.destination);
    // A reconnected reader is a new Redis client with a new id.
    reader.on('close', () => {
      this.readerId = undefined;
    });
    this.reader = reader;
    return reader;
  }

  /** Hand read entries to local consumers; those nobody can take any more go back to the queue. */
  private accept(entries: readonly RawEntry[]): void {
    const { counters, settings } = this.context;
    const back: string[] = [];
    for (const [streamId, fields] of entries) {
      if (fields === null) {
        this.store.ack(streamId);
        continue;
      }
      const entry = decodeStreamEntry(this.destination, streamId, fields);
      if (entry === undefined) {
        counters.discarded++;
        settings.log('error', `Redis broker: dropped malformed entry ${streamId} of ${this.destination}`);
        this.store.ack(streamId);
        continue;
      }
      const target = this.pick();
      if (target === undefined) {
        back.push(streamId);
        continue;
      }
      counters.delivered++;
      if (entry.attempts > 0) counters.redelivered++;
      target.deliver(entry);
      if (!target.manualAck) this.store.ack(streamId);
    }
    if (back.length > 0) void this.store.release(back, 0);
  }

  private settle(entry: QueueConsumer, tag: number, reject: boolean): void {
    if (entry.cancelled) return;
    const held = entry.take(tag);
    if (held === undefined) return;
    if (reject) void this.store.release([held.streamId], 1);
    else this.store.ack(held.streamId);
    this.wake();
  }

  private async cancel(entry: QueueConsumer): Promise<void> {
    if (entry.cancelled) return;
    entry.cancelled = true;
    const index = this.consumers.indexOf(entry);
    if (index >= 0) {
      this.consumers.splice(index, 1);
      if (this.next > index) this.next--;
    }
    const ids = [...entry.unacked.values()].map((held) => held.streamId);
    entry.unacked.clear();
    this.unref();
    this.wake();
    await this.store.release(ids, 1);
    // The last consumer: resolved once the queue has stopped and started to age (its lease given up).
    if (this.stopping !== undefined) await this.stopping;
  }

  private unref(): void {
    this.refs--;
    if (this.refs === 0) this.context.idle(this);
  }

  /** Stream ids this node still answers for: unacknowledged deliveries and ACKs not yet sent. */
  private heldIds(): Set<string> {
    const held = new Set(this.store.unsentAcks);
    for (const entry of this.consumers)
      for (const message of entry.unacked.values()) held.add(message.streamId);
    return held;
  }

  /** Messages the local consumers can take now, at most one read batch. */
  private capacity(): number {
    const batch = this.context.settings.readBatch;
    let total = 0;
    for (const entry of this.consumers) total += entry.free(batch);
    return Math.min(batch, total);
  }

  private pick(): QueueConsumer | undefined {
    const count = this.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (this.next + step) % count;
      const entry = this.consumers[index] as QueueConsumer;
      if (entry.free(1) > 0) {
        this.next = (index + 1) % count;
        return entry;
      }
    }
    return undefined;
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private pause(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
      this.stopSignal,
    ]).finally(() => clearTimeout(timer));
  }
}
