import { restartTimeout, type Timers } from '../timers.js';

/** The options a session's timers follow. */
export interface SessionTimerOptions {
  readonly timers: Timers;
  readonly heartbeatDelay: number;
  readonly disconnectDelay: number;
}

/**
 * A session's two timers: the heartbeat, due `heartbeatDelay` after the last frame sent, and the lifetime
 * (the disconnect delay while open without a sink; the tombstone period once closed). Both are restarted
 * in place (`restartTimeout`), so re-arming the heartbeat after every frame allocates nothing.
 */
export class SessionTimers {
  private heartbeat: unknown = null;
  private lifetime: unknown = null;
  private readonly options: SessionTimerOptions;
  private readonly onHeartbeat: () => void;
  private readonly onLifetime: () => void;

  constructor(options: SessionTimerOptions, onHeartbeat: () => void, onLifetime: () => void) {
    this.options = options;
    this.onHeartbeat = onHeartbeat;
    this.onLifetime = onLifetime;
  }

  /** Timers pending (0, 1 or 2): lets tests prove that nothing is left behind. */
  get pending(): number {
    return (this.heartbeat === null ? 0 : 1) + (this.lifetime === null ? 0 : 1);
  }

  restartHeartbeat(): void {
    const { timers, heartbeatDelay } = this.options;
    this.heartbeat = restartTimeout(timers, this.heartbeat, this.heartbeatDue, heartbeatDelay);
  }

  clearHeartbeat(): void {
    if (this.heartbeat === null) return;
    this.options.timers.clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  /** The disconnect delay (or the tombstone period) starts again from now. */
  restartLifetime(): void {
    const { timers, disconnectDelay } = this.options;
    this.lifetime = restartTimeout(timers, this.lifetime, this.lifetimeDue, disconnectDelay);
  }

  clearLifetime(): void {
    if (this.lifetime === null) return;
    this.options.timers.clearTimeout(this.lifetime);
    this.lifetime = null;
  }

  private readonly heartbeatDue = (): void => {
    this.heartbeat = null;
    this.onHeartbeat();
  };

  private readonly lifetimeDue = (): void => {
    this.lifetime = null;
    this.onLifetime();
  };
}
