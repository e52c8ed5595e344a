import type { MaybePromise } from '../../brokers/broker.js';
import type { StompFrame } from '../codec/frame.js';
import type { InboundInterceptor, SessionInfo } from '../types.js';
import { guard, wrapAppError } from './app-errors.js';

/**
 * Run the inbound interceptors on a parsed frame, from `from` on: the frame the session acts on (maybe a
 * replacement), or null when one of them dropped it. Synchronous interceptors cost no promise.
 */
export function interceptInbound(
  interceptors: readonly InboundInterceptor[],
  frame: StompFrame,
  session: SessionInfo,
  from = 0,
): MaybePromise<StompFrame | null> {
  for (let i = from; i < interceptors.length; i++) {
    const interceptor = interceptors[i] as InboundInterceptor;
    const result = guard(() => interceptor(frame, session), 'interceptor');
    if (result instanceof Promise) {
      return result.then(
        (replaced) =>
          replaced === null ? null : interceptInbound(interceptors, replaced ?? frame, session, i + 1),
        (error: unknown) => {
          throw wrapAppError(error, 'interceptor');
        },
      );
    }
    if (result === null) return null;
    if (result !== undefined) frame = result;
  }
  return frame;
}
