import { BrokerFailure, type MaybePromise } from '../../brokers/broker.js';
import { DEDUPE_DEFAULTS, type DedupeStore } from '../../brokers/dedupe.js';
import type { StompClock } from '../clock.js';
import { StompError } from '../errors.js';
import { andThen } from '../maybe.js';

/** The SEND header that names a message for deduplication; the Sockwire SDK's `send()` sets it. */
export const IDEMPOTENCY_HEADER = 'x-idempotency-key';

/** Ms between two looks at a key whose first attempt is still in flight. */
const PENDING_POLL_MS = 25;

/**
 * The key as stored: scoped to the sender's user, so that one user cannot suppress another's messages by
 * reusing their keys. Throws the ERROR a malformed key gets.
 */
export function scopedIdempotencyKey(key: string, user: string | undefined): string {
  if (key === '' || key.length > DEDUPE_DEFAULTS.maxKeyLength) {
    throw new StompError(
      'protocol',
      'Invalid x-idempotency-key',
      `${IDEMPOTENCY_HEADER} must be 1 to ${DEDUPE_DEFAULTS.maxKeyLength} characters`,
    );
  }
  return `${user === undefined ? '' : encodeURIComponent(user)}:${key}`;
}

/**
 * Runs `action` (a publish, or an `/app` handler) once per key within the store's window: a repeat resolves
 * without running it, so the client still gets its RECEIPT. While another attempt with the key is in flight
 * (on this node or another), waits for it to finish; if it never does within the pending limit, the SEND fails
 * as a broker failure (a retryable close), and the client's retry will find the key done or released.
 */
export function runOnce(
  store: DedupeStore,
  key: string,
  clock: StompClock,
  action: () => MaybePromise<void>,
): MaybePromise<void> {
  const deadline = clock.now() + DEDUPE_DEFAULTS.pendingMs;
  const attempt = (): MaybePromise<void> =>
    andThen(store.claim(key), (claim) => {
      if (claim === 'duplicate') return;
      if (claim === 'pending') {
        if (clock.now() >= deadline) {
          throw new BrokerFailure(`a send with ${IDEMPOTENCY_HEADER} ${key} is still in progress elsewhere`);
        }
        return new Promise<void>((resolve) => clock.setTimeout(resolve, PENDING_POLL_MS)).then(attempt);
      }
      let result: MaybePromise<void>;
      try {
        result = action();
      } catch (error) {
        return andThen(store.release(key), () => {
          throw error;
        });
      }
      if (result instanceof Promise) {
        return result.then(
          () => store.complete(key),
          (error: unknown) =>
            andThen(store.release(key), () => {
              throw error;
            }),
        );
      }
      return store.complete(key);
    });
  return attempt();
}
