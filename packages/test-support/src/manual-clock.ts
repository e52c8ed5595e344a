/**
 * A clock for real sockets whose timers only fire when the test moves time on with `advance`, in time order.
 * The I/O stays real; only the socket's idea of time (timeouts, head starts, heart-beat checks) is the test's.
 * It has the shape of the client's `clock` option (and of the STOMP broker's), without depending on either.
 */
export class ManualClock {
  private time = 0;
  private lastHandle = 0;
  private readonly timers = new Map<number, { readonly at: number; readonly callback: () => void }>();

  now(): number {
    return this.time;
  }

  /** Fake milliseconds moved on so far. */
  get elapsed(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = ++this.lastHandle;
    this.timers.set(handle, { at: this.time + Math.max(0, ms), callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** Timers set and neither fired nor cleared yet: a test proves with it that nothing is left armed. */
  get pending(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: { readonly handle: number; readonly at: number; readonly callback: () => void } | undefined;
      for (const [handle, timer] of this.timers) {
        if (timer.at > end) continue;
        if (due === undefined || timer.at < due.at) due = { handle, ...timer };
      }
      if (due === undefined) break;
      const timer = due;
      this.timers.delete(due.handle);
      this.time = timer.at;
      timer.callback();
    }
    this.time = end;
  }
}
