export interface BackoffOptions {
  /** Ms. The first retry waits a random time below this; each later window is `factor` times wider. Default 1000. */
  minDelay?: number;
  /** Ms. No window grows past this. Default 30 000. */
  maxDelay?: number;
  /** Growth of the window per failed attempt. Default 2. */
  factor?: number;
}

export const DEFAULT_MIN_DELAY = 1000;
export const DEFAULT_MAX_DELAY = 30_000;
export const DEFAULT_FACTOR = 2;

/**
 * "Full jitter" exponential backoff: a delay drawn uniformly from [0, min(maxDelay, minDelay * factor^attempt)).
 * Drawing from the whole window rather than around its edge spreads out the crowd of clients that all lose
 * their connection at once when a server restarts, which is exactly when they must not return together.
 * `attempt` counts from 0; `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  return Math.floor(random() * backoffWindow(attempt, options));
}

/**
 * The wait after a failure whose cause is unknown (a STOMP ERROR that may or may not recur): two windows further
 * on than `backoffDelay` (4 times wider at the default factor), and at least half of that window, so that a
 * cause that does recur is met less and less often rather than at a random, possibly short, interval.
 */
export function cautiousDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  return Math.floor((backoffWindow(attempt + 2, options) * (1 + random())) / 2);
}

/** `min(maxDelay, minDelay * factor^attempt)`. */
function backoffWindow(attempt: number, options: BackoffOptions): number {
  return Math.min(
    options.maxDelay ?? DEFAULT_MAX_DELAY,
    (options.minDelay ?? DEFAULT_MIN_DELAY) * (options.factor ?? DEFAULT_FACTOR) ** attempt,
  );
}
