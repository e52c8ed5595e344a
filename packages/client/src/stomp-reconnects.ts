/*
 * When the STOMP client connects again. stompjs's own reconnecting is switched off (its `reconnectDelay` is 0,
 * its documented way to say "never"); this timer decides instead: full-jitter backoff (backoff.ts), from
 * `minDelay` again once a connection lasted `minUptime`, and longer after an ERROR of unknown cause.
 */
import { type BackoffOptions, backoffDelay, cautiousDelay } from './backoff.js';
import type { Clock } from './env.js';

/** `idle`: no reconnect is due (connected, connecting, or stopped). `waiting`: the timer runs. */
type ReconnectState = 'idle' | 'waiting';

const TRANSITIONS: Record<ReconnectState, readonly ReconnectState[]> = {
  idle: ['waiting'],
  waiting: ['idle'],
};

export interface ReconnectPolicy {
  readonly backoff: BackoffOptions;
  /** Ms a connection must last before the backoff starts again from `minDelay`. */
  readonly minUptime: number;
  /** [0, 1). */
  readonly random: () => number;
}

export interface ScheduledReconnect {
  /** Ms until `reconnect` runs (at least 1). */
  readonly delay: number;
  /** 1 for the first reconnect after a connection that lasted, then 2, 3, ... */
  readonly attempt: number;
}

export class StompReconnects {
  private state: ReconnectState = 'idle';
  private timer: unknown;
  /** Failed attempts since the last connection that lasted: the backoff window grows with it. */
  private attempt = 0;
  private connectedAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly policy: ReconnectPolicy,
  ) {}

  /** A STOMP session is up: how long it lasts decides whether the next wait starts from `minDelay` again. */
  connected(): void {
    this.connectedAt = this.clock.now();
  }

  /**
   * The connection closed: wait, then `reconnect()`. `cautious` after an ERROR of unknown cause (`unsure`): a
   * longer wait (cautiousDelay), and the attempt count does not start again however long the connection lasted.
   */
  schedule(cautious: boolean, reconnect: () => void): ScheduledReconnect {
    const now = this.clock.now();
    const lasted = this.connectedAt !== undefined && now - this.connectedAt >= this.policy.minUptime;
    this.connectedAt = undefined;
    if (lasted && !cautious) this.attempt = 0;
    const wait = cautious ? cautiousDelay : backoffDelay;
    const delay = Math.max(1, wait(this.attempt, this.policy.backoff, this.policy.random));
    this.attempt += 1;
    this.setState('waiting');
    this.timer = this.clock.setTimeout(() => {
      this.setState('idle');
      reconnect();
    }, delay);
    return { delay, attempt: this.attempt };
  }

  /** The connection closed and no reconnect follows (stopped, or reconnecting disabled). */
  closed(): void {
    this.connectedAt = undefined;
  }

  /** No reconnect after all (`deactivate()`). */
  cancel(): void {
    if (this.state === 'idle') return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.setState('idle');
  }

  /**
   * The next wait from the first window again (`activate()`). A reconnect already due stays due: stompjs ignores
   * `activate()` while active, and only this timer would connect again.
   */
  reset(): void {
    this.attempt = 0;
  }

  private setState(next: ReconnectState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new Error(`Sockwire STOMP: reconnect state ${this.state} -> ${next} is not a transition`);
    }
    this.state = next;
  }
}
