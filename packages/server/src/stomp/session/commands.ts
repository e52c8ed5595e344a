import type { MaybePromise } from '../../brokers/broker.js';
import { parseStreamStart, type StreamResume } from '../../brokers/history.js';
import { getHeader, isClientCommand, mayHaveBody, type StompFrame } from '../codec/frame.js';
import { StompError, StompRejection } from '../errors.js';
import { andThen, sequence } from '../maybe.js';
import type { AuthorizeAction } from '../types.js';
import { describe } from './app-errors.js';
import { requireHandler, runHandler } from './application.js';
import { connect } from './handshake.js';
import { IDEMPOTENCY_HEADER, runOnce, scopedIdempotencyKey } from './idempotent-send.js';
import { sentHeaders } from './message-encoding.js';
import type { StompSession } from './session.js';
import { boundedPrefetch, isAckMode, Subscription } from './subscriptions.js';
import { heldBytes } from './transactions.js';

/** The client frames of a session, one method each; every failure is a thrown StompError. */
export class CommandProcessor {
  private readonly session: StompSession;

  constructor(session: StompSession) {
    this.session = session;
  }

  dispatch(frame: StompFrame): MaybePromise<void> {
    const { command } = frame;
    if (this.session.state === 'awaiting-connect') {
      if (command === 'CONNECT' || command === 'STOMP') return connect(this.session, frame);
      throw new StompError(
        'protocol',
        'Not connected',
        `the first frame must be CONNECT or STOMP, not ${printable(command)}`,
      );
    }
    if (frame.body !== '' && !mayHaveBody(command) && isClientCommand(command)) {
      throw new StompError('protocol', 'Malformed frame', `${command} must not have a body`);
    }
    const done = this.run(frame);
    if (command === 'DISCONNECT') return done;
    return andThen(done, () => this.session.receipt(frame));
  }

  private run(frame: StompFrame): MaybePromise<void> {
    switch (frame.command) {
      case 'SEND':
        return this.send(frame);
      case 'SUBSCRIBE':
        return this.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(frame);
      case 'ACK':
        return this.acknowledge(frame, false);
      case 'NACK':
        if (this.session.version === '1.0') break;
        return this.acknowledge(frame, true);
      case 'BEGIN':
        this.session.transactions.begin(required(frame, 'transaction'));
        return;
      case 'COMMIT': {
        const actions = this.session.transactions.commit(required(frame, 'transaction'));
        return sequence(actions, (action) => action());
      }
      case 'ABORT':
        this.session.transactions.abort(required(frame, 'transaction'));
        return;
      case 'DISCONNECT':
        this.session.disconnect(frame);
        return;
      case 'CONNECT':
      case 'STOMP':
        throw new StompError('protocol', 'Already connected', 'this session is already connected');
    }
    throw new StompError(
      'protocol',
      'Unknown command',
      `${printable(frame.command)} is not a STOMP ${this.session.version} client command`,
    );
  }

  private send(frame: StompFrame): MaybePromise<void> {
    const destination = required(frame, 'destination');
    const transaction = getHeader(frame.headers, 'transaction');
    const { router, handlers } = this.session.context;
    const route = router.forSend(destination);
    if (route.kind === 'invalid') throw new StompError('protocol', 'Unknown destination', route.reason);
    const idempotencyKey = getHeader(frame.headers, IDEMPOTENCY_HEADER);
    const dedupeKey =
      idempotencyKey === undefined
        ? undefined
        : scopedIdempotencyKey(idempotencyKey, this.session.principal?.name);
    return andThen(this.authorize('send', destination), () => {
      let action: () => MaybePromise<void>;
      if (route.kind === 'application') {
        const match = requireHandler(handlers.find('message', route.path), destination);
        action = () => runHandler(this.session, match, frame, destination, route.path, undefined);
      } else {
        const headers = sentHeaders(frame.headers);
        // A RECEIPT (and a COMMIT's) must mean the broker has the message, even a remote one.
        const confirm = transaction !== undefined || getHeader(frame.headers, 'receipt') !== undefined;
        // Whether the publish creates a queue is asked right before it (at COMMIT in a transaction), when the
        // answer is current, rather than when the SEND arrived.
        action = () =>
          andThen(this.authorizeCreate(route.destination, destination), () =>
            this.session.link.publish(route.destination, headers, frame.body, confirm),
          );
      }
      const { dedupe } = this.session.context;
      if (dedupeKey !== undefined && dedupe !== undefined) {
        // A re-sent SEND (same key, after a cut) is confirmed without being published or handled again.
        const once = action;
        action = () => runOnce(dedupe, dedupeKey, this.session.context.options.clock, once);
      }
      if (transaction === undefined) return action();
      this.session.transactions.add(transaction, action, heldBytes(frame));
    });
  }

  private subscribe(frame: StompFrame): MaybePromise<void> {
    const { session } = this;
    const { router, handlers, options } = session.context;
    const id = required(frame, 'id');
    const destination = required(frame, 'destination');
    const ack = getHeader(frame.headers, 'ack') ?? 'auto';
    if (!isAckMode(ack))
      throw new StompError(
        'protocol',
        'Invalid ack mode',
        `ack must be auto, client or client-individual, not ${printable(ack)}`,
      );
    if (session.subscriptions.has(id))
      throw new StompError('protocol', 'Duplicate subscription', `subscription id ${id} is already in use`);
    if (session.subscriptions.size >= options.maxSubscriptions) {
      throw new StompError(
        'limit',
        'Too many subscriptions',
        `a session may have at most ${options.maxSubscriptions} subscriptions`,
      );
    }
    const requested = prefetchCount(frame);
    const prefetch = ack === 'auto' ? requested : boundedPrefetch(requested, options.maxUnacked);
    const resume = streamResume(frame);
    const route = router.forSubscribe(destination, session.principal?.name, session.id);
    if (route.kind === 'invalid') throw new StompError('protocol', 'Unknown destination', route.reason);
    return andThen(this.authorize('subscribe', destination), () => {
      // A subscribe handler's replies wait nowhere: they count against maxUnacked like a topic's messages.
      const heldBack = route.kind === 'application' ? false : undefined;
      const subscription = new Subscription(id, destination, ack, heldBack);
      session.subscriptions.add(subscription);
      if (route.kind === 'application') {
        const match = requireHandler(handlers.find('subscribe', route.path), destination);
        const answered = runHandler(session, match, frame, destination, route.path, subscription);
        return andThen(answered, () => this.announce(subscription));
      }
      const consumer = {
        deliver: session.deliver.bind(session, subscription),
        gap: session.gap.bind(session, subscription),
        whenWritable: (resume: () => void) => session.whenWritable(resume),
      };
      const handle = session.link.subscribe(route.destination, consumer, {
        manualAck: ack !== 'auto',
        prefetch,
        headers: frame.headers,
        ...(resume === undefined ? {} : { resume }),
      });
      return andThen(handle, (ready) => {
        // The session may have ended, or the subscription been replaced, while the broker was answering.
        if (session.subscriptions.get(id) === subscription && session.state === 'connected') {
          session.subscriptions.attach(subscription, ready);
          this.announce(subscription);
        } else void ready.cancel();
      });
    });
  }

  /** Tell `subscribed` listeners, unless the session ended or dropped the subscription meanwhile. */
  private announce(subscription: Subscription): void {
    const { session } = this;
    if (session.subscriptions.get(subscription.id) !== subscription || session.state !== 'connected') return;
    subscription.announced = true;
    session.context.events.emit('subscribed', { session: session.info, subscription: subscription.info });
  }

  private unsubscribe(frame: StompFrame): MaybePromise<void> {
    const id = required(frame, 'id');
    const subscription = this.session.subscriptions.remove(id);
    if (subscription === undefined)
      throw new StompError('protocol', 'Unknown subscription', `no subscription has id ${id}`);
    if (subscription.announced) {
      const event = {
        session: this.session.info,
        subscription: subscription.info,
        cause: 'unsubscribe',
      } as const;
      this.session.context.events.emit('unsubscribed', event);
    }
    return subscription.handle?.cancel();
  }

  private acknowledge(frame: StompFrame, reject: boolean): MaybePromise<void> {
    const { session } = this;
    const ackId = getHeader(frame.headers, 'id');
    const messageId = getHeader(frame.headers, 'message-id');
    const subscriptionId = getHeader(frame.headers, 'subscription');
    if (ackId === undefined) {
      if (session.version === '1.2') required(frame, 'id');
      required(frame, 'message-id');
      if (session.version === '1.1') required(frame, 'subscription');
    }
    const found = session.subscriptions.find(ackId, messageId, subscriptionId);
    if (found === undefined) {
      const named = ackId ?? messageId ?? '';
      throw new StompError(
        'protocol',
        `Unknown ${frame.command} id`,
        `${named} names no unacknowledged message`,
      );
    }
    const action = (): void => {
      const settled = session.subscriptions.settle(found.subscription, found.pending.ackId);
      const handle = found.subscription.handle;
      for (const pending of settled) {
        if (reject) handle?.nack(pending.tag);
        else handle?.ack(pending.tag);
      }
    };
    const transaction = getHeader(frame.headers, 'transaction');
    if (transaction === undefined) return action();
    session.transactions.add(transaction, action, heldBytes(frame));
  }

  /**
   * A client's SEND that would create a queue needs `authorize(..., 'create', ...)` as well as `'send'`: a queue
   * keeps what is sent to it for consumers who may never come, so making one is a right of its own. Asked only
   * when an authorize hook is set and the broker can tell (MessageBroker.wouldCreate); `destination` is the
   * broker's name, `written` the client's.
   */
  private authorizeCreate(destination: string, written: string): MaybePromise<void> {
    const { link } = this.session;
    if (this.session.context.options.authorize === undefined || link.wouldCreate === undefined) return;
    return andThen(link.wouldCreate(destination), (creates) =>
      creates ? this.authorize('create', written) : undefined,
    );
  }

  private authorize(action: AuthorizeAction, destination: string): MaybePromise<void> {
    const { session } = this;
    const hook = session.context.options.authorize;
    if (hook === undefined) return;
    const denied = (): never => {
      throw new StompError(
        'authorization',
        'Access denied',
        `not allowed to ${action} ${action === 'send' ? 'to ' : ''}${destination}`,
      );
    };
    const failed = (error: unknown): never => {
      if (error instanceof StompRejection)
        throw new StompError('authorization', 'Access denied', error.message);
      session.context.options.log('error', `STOMP authorize failed: ${describe(error)}`);
      throw new StompError('authorization', 'Access denied', 'authorization could not be checked');
    };
    let allowed: MaybePromise<boolean>;
    try {
      allowed = hook(session.principal, action, destination, session.info);
    } catch (error) {
      return failed(error);
    }
    if (allowed instanceof Promise) return allowed.then((ok) => (ok ? undefined : denied()), failed);
    if (!allowed) denied();
  }
}

function required(frame: StompFrame, name: string): string {
  const value = getHeader(frame.headers, name);
  if (value === undefined || value === '') {
    throw new StompError('protocol', `Missing ${name} header`, `${frame.command} requires a ${name} header`);
  }
  return value;
}

function prefetchCount(frame: StompFrame): number {
  const text = getHeader(frame.headers, 'prefetch-count');
  if (text === undefined) return 0;
  if (!/^[0-9]{1,9}$/.test(text))
    throw new StompError('protocol', 'Invalid prefetch-count', 'prefetch-count must be a whole number');
  return Number(text);
}

/** `x-stream-offset` (RabbitMQ's syntax) and `x-stream-epoch`; undefined when the subscription is live only. */
function streamResume(frame: StompFrame): StreamResume | undefined {
  const offset = getHeader(frame.headers, 'x-stream-offset');
  if (offset === undefined) return undefined;
  let start: StreamResume['start'];
  try {
    start = parseStreamStart(offset);
  } catch (error) {
    throw new StompError('protocol', 'Invalid x-stream-offset', (error as Error).message);
  }
  if (start.kind === 'next') return undefined;
  const epoch = getHeader(frame.headers, 'x-stream-epoch');
  return epoch === undefined || epoch === '' ? { start } : { start, epoch };
}

/** A client-chosen string, shortened and quoted for an error message. */
function printable(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
