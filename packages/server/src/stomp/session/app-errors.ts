import type { MaybePromise } from '../../brokers/broker.js';
import { StompError, StompRejection } from '../errors.js';

/** Call application code, turning a synchronous throw into the same error a rejected promise gives. */
export function guard<T>(call: () => MaybePromise<T>, what: 'interceptor' | 'handler'): MaybePromise<T> {
  try {
    return call();
  } catch (error) {
    throw wrapAppError(error, what);
  }
}

/** A StompRejection's message reaches the client; anything else stays on the server. */
export function wrapAppError(error: unknown, what: 'interceptor' | 'handler'): unknown {
  if (error instanceof StompError) return error;
  if (error instanceof StompRejection) {
    return new StompError(
      what === 'interceptor' ? 'authorization' : 'handler',
      'Frame rejected',
      error.message,
    );
  }
  return error;
}

export function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
