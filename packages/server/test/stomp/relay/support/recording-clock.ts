import { type StompClock, systemClock } from '../../../../src/stomp/index.js';

/** One timer as the code under test asked for it. */
export interface RecordedTimer {
  /** The delay it was armed with. */
  readonly ms: number;
  state: 'pending' | 'fired' | 'cleared';
}

/**
 * A clock that hands every call to `base` (the real clock, or a ManualClock the test moves) and records each
 * timer: its delay and whether it fired or was cleared. Tests read delays from here instead of timing them.
 */
export class RecordingClock implements StompClock {
  readonly timers: RecordedTimer[] = [];
  private readonly base: StompClock;
  private readonly live = new Map<unknown, RecordedTimer>();

  constructor(base: StompClock = systemClock) {
    this.base = base;
  }

  now(): number {
    return this.base.now();
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: RecordedTimer = { ms, state: 'pending' };
    this.timers.push(timer);
    const handle = this.base.setTimeout(() => {
      timer.state = 'fired';
      this.live.delete(handle);
      callback();
    }, ms);
    this.live.set(handle, timer);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    const timer = this.live.get(handle);
    if (timer !== undefined) {
      timer.state = 'cleared';
      this.live.delete(handle);
    }
    this.base.clearTimeout(handle);
  }

  /** The delays of the timers armed and not yet fired or cleared, in the order they were armed. */
  pendingDelays(): number[] {
    return this.timers.filter((timer) => timer.state === 'pending').map((timer) => timer.ms);
  }
}
