import type { Redis } from 'ioredis';
import { BrokerQuotaError } from '../broker.js';
import { integers } from './codec.js';
import type { ResolvedRedisBrokerOptions } from './options.js';
import {
  HOLD_QUEUE,
  PUBLISH_QUEUE,
  QUEUE_EXISTS,
  QUEUE_STATS,
  RENEW_QUEUES,
  UNHOLD_QUEUE,
} from './queue-scripts.js';
import { runScript } from './scripts.js';

/** The consumer group of every queue stream: one per queue, shared by all nodes (each node is one consumer). */
export const GROUP = 'sockwire';

/**
 * The queues of the whole Redis as one set, and the quotas on it (queue-scripts.ts): which queues exist, how
 * many bytes they hold, and when each expires. Every queue name a client sent to used to become a stream kept
 * forever; here a queue lives while it is used. The counts that must hold across nodes (maxQueues,
 * maxTotalQueuedBytes) live in Redis and change only inside scripts, so two nodes creating queues at once
 * cannot both take the last place.
 *
 * Expiry is Redis's own (PEXPIRE on the queue's keys), moved on by each publish, and held off by the lease of
 * every node that consumes the queue: taken when its first local consumer subscribes, renewed by the janitor,
 * given up when its last one leaves. A node that dies stops renewing, so its lease ends on its own.
 */
export class QueueIndex {
  /** Sampled by `sample()`: queues and the bytes they hold, across the whole Redis. */
  queues = 0;
  bytes = 0;
  private readonly command: Redis;
  private readonly settings: ResolvedRedisBrokerOptions;
  private holders = 0;

  constructor(command: Redis, settings: ResolvedRedisBrokerOptions) {
    this.command = command;
    this.settings = settings;
  }

  /**
   * Append a message to a queue, creating the queue if need be; resolves with its id and how many old messages
   * the per-queue limits dropped. Rejects with BrokerQuotaError when a quota refuses it.
   */
  async publish(
    destination: string,
    headers: string,
    body: string,
  ): Promise<{ id: string; dropped: number }> {
    const { keys, maxQueuedMessages, queueQuotas: quotas } = this.settings;
    const reply = await runScript(
      this.command,
      PUBLISH_QUEUE,
      [...this.shared(), keys.ids, keys.stream(destination)],
      [
        ...this.prefixes(),
        this.clock(),
        destination,
        maxQueuedMessages,
        quotas.maxQueuedBytes,
        quotas.maxTotalQueuedBytes,
        quotas.maxQueues,
        quotas.idleTtlMs,
        headers,
        body,
      ],
    );
    this.refuse(reply, destination);
    const [id, dropped] = Array.isArray(reply) ? reply : [];
    if (typeof id !== 'string' && typeof id !== 'number') throw new Error(`unexpected publish reply ${id}`);
    return { id: String(id), dropped: Number(dropped) || 0 };
  }

  /**
   * A name for one reading of a queue by this node, under which it holds its lease: unique, so that a reading
   * that ends cannot give up the lease of the next one (queue-scripts.ts).
   */
  holderId(): string {
    return `${this.settings.nodeId}#${(++this.holders).toString(36)}`;
  }

  /**
   * `holder` consumes `destination` from now on: creates the queue (within maxQueues) and its group, and takes a
   * lease on it. Rejects with BrokerQuotaError at maxQueues.
   */
  async hold(destination: string, holder: string): Promise<void> {
    const { keys, nodeTimeout, queueQuotas: quotas } = this.settings;
    const reply = await runScript(
      this.command,
      HOLD_QUEUE,
      [...this.shared(), keys.stream(destination)],
      [
        ...this.prefixes(),
        this.clock(),
        destination,
        holder,
        nodeTimeout,
        quotas.idleTtlMs,
        quotas.maxQueues,
        GROUP,
      ],
    );
    this.refuse(reply, destination);
  }

  /** `holder` stopped consuming: the queue starts to age (unless another node consumes it). */
  async unhold(destination: string, holder: string): Promise<void> {
    const { queueQuotas } = this.settings;
    await runScript(this.command, UNHOLD_QUEUE, this.shared(), [
      ...this.prefixes(),
      this.clock(),
      destination,
      holder,
      queueQuotas.idleTtlMs,
    ]);
  }

  /** Renew the leases of this node's holders (the janitor's round). */
  async renew(held: readonly { readonly destination: string; readonly holder: string }[]): Promise<void> {
    if (held.length === 0) return;
    const { nodeTimeout, queueQuotas } = this.settings;
    await runScript(this.command, RENEW_QUEUES, this.shared(), [
      ...this.prefixes(),
      this.clock(),
      nodeTimeout,
      queueQuotas.idleTtlMs,
      ...held.flatMap(({ destination, holder }) => [destination, holder]),
    ]);
  }

  /** Whether the queue exists now, on any node's account (what `wouldCreate` asks). */
  async exists(destination: string): Promise<boolean> {
    const reply = await runScript(this.command, QUEUE_EXISTS, this.shared(), [
      ...this.prefixes(),
      this.clock(),
      destination,
    ]);
    return Number(reply) === 1;
  }

  /** Refresh `queues` and `bytes` (the janitor calls it every round; failures are the janitor's). */
  async sample(): Promise<void> {
    const reply = await runScript(this.command, QUEUE_STATS, this.shared(), [
      ...this.prefixes(),
      this.clock(),
    ]);
    [this.queues = 0, this.bytes = 0] = integers(reply, 2);
  }

  /** Throws the BrokerQuotaError a script's `{'!quota', option, bytes, held}` reply stands for. */
  private refuse(reply: unknown, destination: string): void {
    if (!Array.isArray(reply) || reply[0] !== '!quota') return;
    const [, quota, bytes, held] = reply as [string, string, number, number];
    const { queueQuotas: quotas } = this.settings;
    if (quota === 'maxQueuedBytes') {
      const limit = quotas.maxQueuedBytes;
      throw new BrokerQuotaError(
        quota,
        limit,
        `a message of ${bytes} bytes is larger than a queue may hold (maxQueuedBytes ${limit})`,
      );
    }
    if (quota === 'maxTotalQueuedBytes') {
      const limit = quotas.maxTotalQueuedBytes;
      throw new BrokerQuotaError(
        quota,
        limit,
        `queues hold ${held} bytes; a message of ${bytes} more would pass maxTotalQueuedBytes ${limit}`,
      );
    }
    const limit = quotas.maxQueues;
    throw new BrokerQuotaError(
      'maxQueues',
      limit,
      `the broker holds at most ${limit} queues (maxQueues); ${destination} cannot be created`,
    );
  }

  /** The keys every queue script gets first: index, sizes, total (queue-scripts.ts). */
  private shared(): string[] {
    const { keys } = this.settings;
    return [keys.queueIndex, keys.queueSizes, keys.queueBytes];
  }

  /** The arguments every queue script gets first: the two key prefixes, to reach other queues' keys. */
  private prefixes(): string[] {
    const { keys } = this.settings;
    return [keys.stream(''), keys.queueHolders('')];
  }

  private clock(): string {
    const { now } = this.settings;
    return now === undefined ? '' : String(Math.floor(now()));
  }
}
