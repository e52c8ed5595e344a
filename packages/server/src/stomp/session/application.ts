import type { MaybePromise, MessageBroker, MessageHeaders } from '../../brokers/broker.js';
import type { StompFrame } from '../codec/frame.js';
import type { DestinationRouter } from '../destinations.js';
import { StompError, StompRejection } from '../errors.js';
import {
  createContext,
  type HandlerKind,
  type HandlerMatch,
  type HandlerRegistry,
  resultToMessage,
} from '../handlers.js';
import { andThen } from '../maybe.js';
import { fillPattern } from '../path-pattern.js';
import type { SessionInfo, StompPrincipal } from '../types.js';
import { guard, wrapAppError } from './app-errors.js';
import type { Deliveries } from './delivery.js';
import { applicationHeaders, TARGET_SESSION_HEADER } from './message-encoding.js';
import type { Subscription } from './subscriptions.js';

export interface ApplicationParts {
  /** The session as handlers see it; its id also addresses replies meant for this session alone. */
  readonly session: SessionInfo;
  readonly principal: StompPrincipal | undefined;
  readonly handlers: HandlerRegistry;
  readonly router: DestinationRouter;
  /** Where handlers' results are published (never a session's own broker link). */
  readonly broker: MessageBroker;
  /** The prefix of the default reply destination (`/topic` + the handler's path). */
  readonly applicationReply: string;
  /** A subscribe handler's result goes straight to its subscriber. */
  readonly deliveries: Pick<Deliveries, 'reply'>;
}

/**
 * Calling one session's `onMessage` / `onSubscribe` handlers and sending their results where their options say
 * (Spring's @MessageMapping / @SubscribeMapping with @SendTo / @SendToUser).
 */
export class ApplicationHandlers {
  private readonly session: SessionInfo;
  private readonly user: string | undefined;
  private readonly handlers: HandlerRegistry;
  private readonly router: DestinationRouter;
  private readonly broker: MessageBroker;
  private readonly applicationReply: string;
  private readonly deliveries: Pick<Deliveries, 'reply'>;

  constructor(parts: ApplicationParts) {
    this.session = parts.session;
    this.user = parts.principal?.name;
    this.handlers = parts.handlers;
    this.router = parts.router;
    this.broker = parts.broker;
    this.applicationReply = parts.applicationReply;
    this.deliveries = parts.deliveries;
  }

  /** The handler for an application destination's `path`, or the ERROR its absence is. */
  handlerFor(kind: HandlerKind, path: string, destination: string): HandlerMatch {
    const match = this.handlers.find(kind, path);
    if (match === undefined)
      throw new StompError('protocol', 'No handler', `no application handler for ${destination}`);
    return match;
  }

  /** Call the handler for `frame`; `subscription` is set for a subscribe handler. */
  run(
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
      this.session,
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
      if (options.sendToUser !== undefined) {
        const target = fillPattern(options.sendToUser, match.params);
        const { user } = this;
        const everySession = options.broadcast !== false && user !== undefined;
        const to = this.router.userDestination(user, this.session.id, target);
        if (everySession) return this.publish(to, headers, reply.body);
        // For this session alone: its user's other sessions skip it, so it takes no place in the user's history
        // (their offsets stay consecutive) and no resume replays it.
        const targeted: MessageHeaders = [...headers, [TARGET_SESSION_HEADER, this.session.id]];
        return andThen(this.broker.publish(to, targeted, reply.body, { history: false }), () => undefined);
      }
      if (options.sendTo !== undefined)
        return this.publish(fillPattern(options.sendTo, match.params), headers, reply.body);
      if (subscription !== undefined) {
        this.deliveries.reply(subscription, reply.body, headers);
        return;
      }
      return this.publish(`${this.applicationReply}${path}`, headers, reply.body);
    });
  }

  private publish(destination: string, headers: MessageHeaders, body: string): MaybePromise<void> {
    return andThen(this.broker.publish(destination, headers, body), () => undefined);
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new StompRejection('the body is not valid JSON');
  }
}
