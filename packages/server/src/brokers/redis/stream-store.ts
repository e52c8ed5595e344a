import type { Redis } from 'ioredis';
import type { MemoryCounters } from '../memory/consumer-entry.js';
import { integers, pendingIds, type RawEntry, readReplyEntries } from './codec.js';
import type { ResolvedRedisBrokerOptions } from './options.js';
import { GROUP, type QueueIndex } from './queue-index.js';
import { ACK_QUEUE, RELEASE, SWEEP_DEAD } from './queue-scripts.js';
import { runScript } from './scripts.js';
/**
 * How long one blocking read waits. New messages end it at once, so this bounds only how long a stopping
 * queue may wait when it could not interrupt its read (CLIENT UNBLOCK failed).
 */
export const READ_BLOCK_MS = 2000;
/** Pending entries looked at per sweep and consumer; a longer backlog takes several sweeps. */
const SWEEP_BATCH = 100;

/**
 * The Redis side of one queue: its stream and consumer group, with this node as one consumer. It knows
 * nothing of local subscribers; StreamQueue decides what to read, deliver, acknowledge and release. Every
 * change to the stream goes through a script of queue-scripts.ts, which keeps its byte count (the quotas')
 * exact.
 */
export class StreamStore {
  readonly destination: string;
  private readonly key: string;
  private readonly command: Redis;
  private readonly settings: ResolvedRedisBrokerOptions;
  private readonly counters: MemoryCounters;
  private readonly index: QueueIndex;
  private acks: string[] = [];
  private ackTimer: ReturnType<typeof setImmediate> | undefined;

  constructor(
    destination: string,
    command: Redis,
    settings: ResolvedRedisBrokerOptions,
    counters: MemoryCounters,
    index: QueueIndex,
  ) {
    this.destination = destination;
    this.key = settings.keys.stream(destination);
    this.command = command;
    this.settings = settings;
    this.counters = counters;
    this.index = index;
  }

  /** ACKs queued and not yet sent: this node still answers for those entries. */
  get unsentAcks(): readonly string[] {
    return this.acks;
  }

  /**
   * Make sure the queue and its group exist, with `holder`'s lease on it (QueueIndex.hold): rejects with
   * BrokerQuotaError when creating it would pass maxQueues. The group reads from id 0: messages published before
   * the first subscriber ever came are waiting for it.
   */
  ensureGroup(holder: string): Promise<void> {
    return this.index.hold(this.destination, holder);
  }

  /** One blocking read of up to `count` entries no node has had yet, on `reader` (a connection of its own). */
  async read(reader: Redis, count: number): Promise<RawEntry[]> {
    const reply = await reader.call(
      'XREADGROUP',
      'GROUP',
      GROUP,
      this.settings.nodeId,
      'COUNT',
      count,
      'BLOCK',
      READ_BLOCK_MS,
      'STREAMS',
      this.key,
      '>',
    );
    return readReplyEntries(reply);
  }

  /**
   * Release pending entries of consumers whose node died, and remove those consumers once nothing of
   * theirs is pending. Returns how many messages wait for a node (neither delivered nor dropped).
   */
  async sweepDead(): Promise<number> {
    const { settings } = this;
    const reply = await runScript(this.command, SWEEP_DEAD, this.keys(), [
      ...this.prefixes(),
      this.destination,
      GROUP,
      settings.maxRedeliveries,
      settings.keys.alive(''),
      settings.nodeId,
      SWEEP_BATCH,
    ]);
    const [returned = 0, dropped = 0, length = 0, pending = 0] = integers(reply, 4);
    this.counters.discarded += dropped;
    if (returned + dropped > 0) {
      settings.log(
        'info',
        `Redis broker: ${this.destination}: ${returned} message(s) of dead nodes redelivered, ${dropped} dropped`,
      );
    }
    return Math.max(0, length - pending);
  }

  /** Entries pending for this node that have been idle at least `idle` ms. */
  async ownPending(idle: number): Promise<string[]> {
    const { nodeId } = this.settings;
    return pendingIds(
      await this.command.call('XPENDING', this.key, GROUP, 'IDLE', idle, '-', '+', SWEEP_BATCH, nodeId),
    );
  }

  /**
   * Append entries again for any node to take (`bump` 1: counted as a redelivery). On failure they stay
   * pending for this node, held by nobody, and a later sweep returns them: delayed, not lost.
   */
  async release(ids: readonly string[], bump: 0 | 1): Promise<void> {
    if (ids.length === 0) return;
    const { settings } = this;
    try {
      const reply = await runScript(this.command, RELEASE, this.keys(), [
        ...this.prefixes(),
        this.destination,
        GROUP,
        settings.maxRedeliveries,
        bump,
        ...ids,
      ]);
      this.counters.discarded += integers(reply, 2)[1] ?? 0;
    } catch (error) {
      settings.log(
        'error',
        `Redis broker: returning ${ids.length} message(s) to ${this.destination} failed (retried after ${settings.nodeTimeout} ms): ${String(error)}`,
      );
    }
  }

  /** Acknowledge on the next turn of the event loop, so that a burst of ACKs costs one XACK + XDEL. */
  ack(streamId: string): void {
    this.acks.push(streamId);
    this.ackTimer ??= setImmediate(() => void this.flushAcks());
  }

  /** Send the queued ACKs; deleting the entries keeps the stream to waiting and unacknowledged messages. */
  async flushAcks(): Promise<void> {
    if (this.ackTimer !== undefined) clearImmediate(this.ackTimer);
    this.ackTimer = undefined;
    const ids = this.acks;
    if (ids.length === 0) return;
    this.acks = [];
    try {
      await runScript(this.command, ACK_QUEUE, this.keys(), [
        ...this.prefixes(),
        this.destination,
        GROUP,
        ...ids,
      ]);
    } catch (error) {
      // The messages stay pending here, held by nobody: a sweep redelivers them (at least once, not lost).
      this.settings.log(
        'error',
        `Redis broker: ACK of ${ids.length} message(s) of ${this.destination} failed: ${String(error)}`,
      );
    }
  }

  /** The keys of the queue scripts: the three shared ones (queue-scripts.ts), then this queue's stream. */
  private keys(): string[] {
    const { keys } = this.settings;
    return [keys.queueIndex, keys.queueSizes, keys.queueBytes, this.key];
  }

  private prefixes(): string[] {
    const { keys } = this.settings;
    return [keys.stream(''), keys.queueHolders('')];
  }
}
