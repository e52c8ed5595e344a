import { ManualClock } from '@sockwire/test-support/manual-clock';

/**
 * The shared manual clock, also counting the timers still pending: the STOMP session tests prove with it that
 * a session arms no timer it does not need and leaves none behind when it closes.
 */
export class CountingClock extends ManualClock {
  private readonly armed = new Set<unknown>();

  override setTimeout(callback: () => void, ms: number): unknown {
    const handle = super.setTimeout(() => {
      this.armed.delete(handle);
      callback();
    }, ms);
    this.armed.add(handle);
    return handle;
  }

  override clearTimeout(handle: unknown): void {
    this.armed.delete(handle);
    super.clearTimeout(handle);
  }

  /** Timers set and neither fired nor cleared yet. */
  get pending(): number {
    return this.armed.size;
  }
}
