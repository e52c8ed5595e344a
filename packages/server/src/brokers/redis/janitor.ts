import type { Redis } from 'ioredis';
import type { ResolvedRedisBrokerOptions } from './options.js';
import type { StreamQueue } from './stream-queue.js';

/** What the janitor's round does besides the heart-beat; failures are logged, never thrown. */
export interface JanitorTasks {
  /** The queues this node consumes. */
  queues(): Iterable<StreamQueue>;
  /** Renew this node's lease on those queues (QueueIndex.renew), so that they do not expire while consumed. */
  renew(): Promise<void>;
  /** Sample what `stats()` reports of the whole Redis (history, queues). */
  sample(): Promise<void>;
}

/**
 * The node's heart-beat and its clean-up round, every third of `nodeTimeout`:
 * - renew this node's alive key (it expires `nodeTimeout` after the last renewal), and its lease on the queues
 *   it consumes (which, the same way, ends `nodeTimeout` after the last renewal);
 * - in every queue this node consumes, redeliver what dead nodes left unacknowledged, and what is pending
 *   here without a local holder;
 * - sample what `stats()` reports of the topic history and the queues.
 *
 * Death is judged by the alive key rather than by how long a message has been pending: a STOMP client in a
 * client ack mode may hold a message for minutes, and taking it from a live node would deliver it twice.
 */
export class Janitor {
  private readonly command: Redis;
  private readonly settings: ResolvedRedisBrokerOptions;
  private readonly tasks: JanitorTasks;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(command: Redis, settings: ResolvedRedisBrokerOptions, tasks: JanitorTasks) {
    this.command = command;
    this.settings = settings;
    this.tasks = tasks;
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
    // Before the sweeps, which may take a while on a slow Redis: a lapsed lease would let the queue expire.
    await this.tasks.renew().catch((error: unknown) => {
      log('debug', `Redis broker: renewing queue leases failed: ${String(error)}`);
    });
    for (const queue of this.tasks.queues()) {
      try {
        await queue.sweep(nodeTimeout);
      } catch (error) {
        log('debug', `Redis broker: sweeping ${queue.destination} failed: ${String(error)}`);
      }
    }
    await this.tasks.sample().catch((error: unknown) => {
      log('debug', `Redis broker: sampling the history and queues failed: ${String(error)}`);
    });
  }
}
