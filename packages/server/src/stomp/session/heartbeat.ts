import type { StompClock } from '../clock.js';
import type { HeartbeatPlan } from '../negotiate.js';

export interface HeartbeatCallbacks {
  /** Write one EOL; the writer reports it back through `wrote()`. */
  readonly sendBeat: () => void;
  /** Nothing arrived for the incoming interval times the tolerance. */
  readonly onTimeout: () => void;
}

/**
 * Both directions of STOMP heart-beating for one session. One timer per direction, re-armed from the time
 * of the last read or write rather than reset on every frame, so a busy session costs no timer churn.
 */
export class HeartbeatMonitor {
  private readonly clock: StompClock;
  private readonly callbacks: HeartbeatCallbacks;
  private plan: HeartbeatPlan = { outgoing: 0, incoming: 0 };
  private readLimit = 0;
  private lastRead: number;
  private lastWrite: number;
  private sendTimer: unknown;
  private readTimer: unknown;
  private running = false;

  constructor(clock: StompClock, callbacks: HeartbeatCallbacks) {
    this.clock = clock;
    this.callbacks = callbacks;
    this.lastRead = clock.now();
    this.lastWrite = this.lastRead;
  }

  start(plan: HeartbeatPlan, tolerance: number): void {
    this.stop();
    this.plan = plan;
    this.readLimit = Math.ceil(plan.incoming * tolerance);
    this.running = true;
    if (plan.outgoing > 0) this.armSend(plan.outgoing - (this.clock.now() - this.lastWrite));
    if (plan.incoming > 0) this.armRead(this.readLimit);
  }

  stop(): void {
    this.running = false;
    if (this.sendTimer !== undefined) this.clock.clearTimeout(this.sendTimer);
    if (this.readTimer !== undefined) this.clock.clearTimeout(this.readTimer);
    this.sendTimer = undefined;
    this.readTimer = undefined;
  }

  /** Any inbound data, frame or EOL, proves the client alive. */
  read(): void {
    this.lastRead = this.clock.now();
  }

  /** Any outbound data counts as a heart-beat to the client. */
  wrote(): void {
    this.lastWrite = this.clock.now();
  }

  private armSend(delay: number): void {
    this.sendTimer = this.clock.setTimeout(
      () => {
        this.sendTimer = undefined;
        if (!this.running) return;
        const idle = this.clock.now() - this.lastWrite;
        if (idle >= this.plan.outgoing) {
          this.callbacks.sendBeat();
          this.armSend(this.plan.outgoing);
        } else {
          this.armSend(this.plan.outgoing - idle);
        }
      },
      Math.max(0, delay),
    );
  }

  private armRead(delay: number): void {
    this.readTimer = this.clock.setTimeout(
      () => {
        this.readTimer = undefined;
        if (!this.running) return;
        const silent = this.clock.now() - this.lastRead;
        if (silent >= this.readLimit) {
          this.running = false;
          this.callbacks.onTimeout();
        } else {
          this.armRead(this.readLimit - silent);
        }
      },
      Math.max(0, delay),
    );
  }
}
