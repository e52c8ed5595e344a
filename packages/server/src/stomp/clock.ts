import type { Timers } from '../timers.js';
import { systemTimers } from '../timers.js';

/** Timers plus the current time: what heart-beats, the CONNECT timeout and the slow-consumer rule need. */
export interface StompClock extends Timers {
  now(): number;
}

/** Global timers (unref'd, so no heart-beat keeps a process alive) and `Date.now`, looked up at each call. */
export const systemClock: StompClock = {
  setTimeout: (callback, ms) => systemTimers.setTimeout(callback, ms),
  clearTimeout: (handle) => systemTimers.clearTimeout(handle),
  now: () => Date.now(),
};
