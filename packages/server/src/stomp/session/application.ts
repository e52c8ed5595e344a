import type { MaybePromise, MessageHeaders } from '../../brokers/broker.js';
import type { StompFrame } from '../codec/frame.js';
import { StompError, StompRejection } from '../errors.js';
import { createContext, type HandlerMatch, resultToMessage } from '../handlers.js';
import { andThen } from '../maybe.js';
import { fillPattern } from '../path-pattern.js';
import { guard, wrapAppError } from './app-errors.js';
import { applicationHeaders, TARGET_SESSION_HEADER } from './message-encoding.js';
import type { StompSession } from './session.js';
import type { Subscription } from './subscriptions.js';

/**
 * Calling `onMessage` / `onSubscribe` handlers and sending their results where their options say
 * (Spring's @MessageMapping / @SubscribeMapping with @SendTo / @SendToUser).
 */
export function runHandler(
  session: StompSession,
  match: HandlerMatch,
  frame: StompFrame,
  destination: string,
  path: string,
  subscription: Subscription | undefined,
): MaybePromise<void> {
  const context = createContext(
    destination,
    match.params,
    frame.headers,
    frame.body,
    session.info,
    parseJson,
  );
  const { handler, options } = match.registration;
  let result = guard(() => handler(context), 'handler');
  if (result instanceof Promise) {
    result = result.catch((error: unknown) => {
      throw wrapAppError(error, 'handler');
    });
  }
  return andThen(result, (value) => {
    const reply = resultToMessage(value);
    if (reply === undefined) return;
    const headers = applicationHeaders(reply.headers);
    const { router, options: brokerOptions } = session.context;
    if (options.sendToUser !== undefined) {
      const target = fillPattern(options.sendToUser, match.params);
      const user = session.principal?.name;
      const everySession = options.broadcast !== false && user !== undefined;
      const to = router.userDestination(user, session.id, target);
      if (everySession) return publish(session, to, headers, reply.body);
      // For this session alone: its user's other sessions skip it, so it takes no place in the user's history
      // (their offsets stay consecutive) and no resume replays it.
      const targeted: MessageHeaders = [...headers, [TARGET_SESSION_HEADER, session.id]];
      return andThen(
        session.context.broker.publish(to, targeted, reply.body, { history: false }),
        () => undefined,
      );
    }
    if (options.sendTo !== undefined)
      return publish(session, fillPattern(options.sendTo, match.params), headers, reply.body);
    if (subscription !== undefined) {
      session.reply(subscription, reply.body, headers);
      return;
    }
    return publish(session, `${brokerOptions.applicationReply}${path}`, headers, reply.body);
  });
}

export function publish(
  session: StompSession,
  destination: string,
  headers: MessageHeaders,
  body: string,
): MaybePromise<void> {
  return andThen(session.context.broker.publish(destination, headers, body), () => undefined);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new StompRejection('the body is not valid JSON');
  }
}

/** The handler for a destination, or the ERROR its absence is. */
export function requireHandler(match: HandlerMatch | undefined, destination: string): HandlerMatch {
  if (match === undefined)
    throw new StompError('protocol', 'No handler', `no application handler for ${destination}`);
  return match;
}
