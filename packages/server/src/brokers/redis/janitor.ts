import type { Redis } from 'ioredis';
import type { ResolvedRedisBrokerOptions } from './options.js';
import type { StreamQueue } from './stream-queue.js';

/**
 * The node's heart-beat and its clean-up round, every third of `nodeTimeout`:
 * - renew this node's alive key (it expires `nodeTimeout` after the last renewal);
 * - in every queue this node consumes, redeliver what dead nodes left unacknowledged, and what is pending
 *   here without a local holder;
 * - sample what `stats()` reports of the topic history.
 *
 * Death is judged by the alive key rather than by how long a message has been pending: a STOMP client in a
 * client ack mode may hold a message for minutes, and taking it from a live node would deliver it twice.
 */
export class Janitor {
  private readonly command: Redis;
  private readonly settings: ResolvedRedisBrokerOptions;
  private readonly queues: () => Iterable<StreamQueue>;
  private readonly sample: () => Promise<void>;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    command: Redis,
    settings: ResolvedRedisBrokerOptions,
    queues: () => Iterable<StreamQueue>,
    sample: () => Promise<void>,
  ) {
    this.command = command;
    this.settings = settings;
    this.queues = queues;
    this.sample = sample;
  }

  /** Announce this node, then keep doing so. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(
      () => {
        // A round still running (Redis slow or down) is not overlapped by the next one.
        this.running ??= this.round().finally(() => {
          this.running = undefined;
        });
      },
      Math.floor(this.settings.nodeTimeout / 3),
    );
    this.timer.unref();
  }

  /** Stop beating and say goodbye: the alive key goes at once, so others need not wait for it to expire. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.command.status === 'ready') {
      await this.command.call('DEL', this.settings.keys.alive(this.settings.nodeId)).catch(() => undefined);
    }
  }

  private beat(): Promise<unknown> {
    const { keys, nodeId, nodeTimeout } = this.settings;
    return this.command.call('SET', keys.alive(nodeId), String(Date.now()), 'PX', nodeTimeout);
  }

  private async round(): Promise<void> {
    const { log, nodeTimeout } = this.settings;
    try {
      await this.beat();
    } catch (error) {
      log('debug', `Redis broker: heart-beat failed: ${String(error)}`);
      return;
    }
    for (const queue of this.queues()) {
      try {
        await queue.sweep(nodeTimeout);
      } catch (error) {
        log('debug', `Redis broker: sweeping ${queue.destination} failed: ${String(error)}`);
      }
    }
    await this.sample().catch((error: unknown) => {
      log('debug', `Redis broker: sampling the history failed: ${String(error)}`);
    });
  }
}
