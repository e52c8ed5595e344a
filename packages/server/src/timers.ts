/**
 * The timer functions the server uses, injectable so that heartbeats, disconnect delays and timeouts can be
 * driven by fake clocks in tests (and counted, to prove none is left behind).
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Optional: start a pending timer's delay again from now, keeping its callback (Node's
   * `Timeout.refresh()`). Sessions re-arm their heartbeat after every frame they send; without this
   * method they do it with `clearTimeout` + `setTimeout`, which allocates a timer per frame.
   */
  refresh?(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending heartbeat must never keep a process alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  refresh: (handle) => {
    (handle as ReturnType<typeof setTimeout>).refresh();
  },
};

/**
 * Start `handle`'s delay again from now, or start a timer when there is none (`handle` null); returns the
 * pending handle. Uses `refresh` when the timers offer it, so a timer restarted on every frame or request
 * allocates nothing.
 */
export function restartTimeout(timers: Timers, handle: unknown, callback: () => void, ms: number): unknown {
  if (handle !== null && timers.refresh !== undefined) {
    timers.refresh(handle);
    return handle;
  }
  if (handle !== null) timers.clearTimeout(handle);
  return timers.setTimeout(callback, ms);
}
