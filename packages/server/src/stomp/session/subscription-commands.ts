import type { MaybePromise } from '../../brokers/broker.js';
import { parseStreamStart, type StreamResume } from '../../brokers/history.js';
import { getHeader, type StompFrame } from '../codec/frame.js';
import type { DestinationRouter } from '../destinations.js';
import { StompError } from '../errors.js';
import type { BrokerEvents } from '../events.js';
import { andThen } from '../maybe.js';
import type { ResolvedStompOptions } from '../options.js';
import type { SessionInfo, StompPrincipal } from '../types.js';
import type { ApplicationHandlers } from './application.js';
import type { Authorizer } from './authorization.js';
import type { BrokerLink } from './broker-link.js';
import type { Deliveries } from './delivery.js';
import { printable, required } from './frame-checks.js';
import type { SessionStatus } from './lifecycle.js';
import { boundedPrefetch, isAckMode, Subscription, type SubscriptionTable } from './subscriptions.js';

export interface SubscriptionParts {
  readonly session: SessionInfo;
  readonly principal: StompPrincipal | undefined;
  readonly status: SessionStatus;
  readonly subscriptions: SubscriptionTable;
  readonly limits: Pick<ResolvedStompOptions, 'maxSubscriptions' | 'maxUnacked'>;
  readonly router: DestinationRouter;
  /** Where a SUBSCRIBE to a broker destination goes. */
  readonly link: BrokerLink;
  /** Where a SUBSCRIBE to an application destination goes. */
  readonly applications: ApplicationHandlers;
  readonly authorizer: Authorizer;
  /** What the broker delivers to. */
  readonly deliveries: Pick<Deliveries, 'consumer'>;
  /** `subscribed` and `unsubscribed` go to the broker's listeners. */
  readonly events: BrokerEvents;
}

/** SUBSCRIBE and UNSUBSCRIBE: a session's subscriptions, from the broker's answer to their end. */
export class SubscriptionCommands {
  private readonly session: SessionInfo;
  private readonly user: string | undefined;
  private readonly status: SessionStatus;
  private readonly subscriptions: SubscriptionTable;
  private readonly maxSubscriptions: number;
  private readonly maxUnacked: number;
  private readonly router: DestinationRouter;
  private readonly link: BrokerLink;
  private readonly applications: ApplicationHandlers;
  private readonly authorizer: Authorizer;
  private readonly deliveries: Pick<Deliveries, 'consumer'>;
  private readonly events: BrokerEvents;

  constructor(parts: SubscriptionParts) {
    this.session = parts.session;
    this.user = parts.principal?.name;
    this.status = parts.status;
    this.subscriptions = parts.subscriptions;
    this.maxSubscriptions = parts.limits.maxSubscriptions;
    this.maxUnacked = parts.limits.maxUnacked;
    this.router = parts.router;
    this.link = parts.link;
    this.applications = parts.applications;
    this.authorizer = parts.authorizer;
    this.deliveries = parts.deliveries;
    this.events = parts.events;
  }

  subscribe(frame: StompFrame): MaybePromise<void> {
    const { subscriptions } = this;
    const id = required(frame, 'id');
    const destination = required(frame, 'destination');
    const ack = getHeader(frame.headers, 'ack') ?? 'auto';
    if (!isAckMode(ack))
      throw new StompError(
        'protocol',
        'Invalid ack mode',
        `ack must be auto, client or client-individual, not ${printable(ack)}`,
      );
    if (subscriptions.has(id))
      throw new StompError('protocol', 'Duplicate subscription', `subscription id ${id} is already in use`);
    if (subscriptions.size >= this.maxSubscriptions) {
      throw new StompError(
        'limit',
        'Too many subscriptions',
        `a session may have at most ${this.maxSubscriptions} subscriptions`,
      );
    }
    const requested = prefetchCount(frame);
    const prefetch = ack === 'auto' ? requested : boundedPrefetch(requested, this.maxUnacked);
    const resume = streamResume(frame);
    const route = this.router.forSubscribe(destination, this.user, this.session.id);
    if (route.kind === 'invalid') throw new StompError('protocol', 'Unknown destination', route.reason);
    return andThen(this.authorizer.authorize('subscribe', destination), () => {
      // A subscribe handler's replies wait nowhere: they count against maxUnacked like a topic's messages.
      const heldBack = route.kind === 'application' ? false : undefined;
      const subscription = new Subscription(id, destination, ack, heldBack);
      subscriptions.add(subscription);
      if (route.kind === 'application') {
        const match = this.applications.handlerFor('subscribe', route.path, destination);
        const answered = this.applications.run(match, frame, destination, route.path, subscription);
        return andThen(answered, () => this.announce(subscription));
      }
      const handle = this.link.subscribe(route.destination, this.deliveries.consumer(subscription), {
        manualAck: ack !== 'auto',
        prefetch,
        headers: frame.headers,
        ...(resume === undefined ? {} : { resume }),
      });
      return andThen(handle, (ready) => {
        // The session may have ended, or the subscription been replaced, while the broker was answering.
        if (subscriptions.get(id) === subscription && this.status.state === 'connected') {
          subscriptions.attach(subscription, ready);
          this.announce(subscription);
        } else void ready.cancel();
      });
    });
  }

  unsubscribe(frame: StompFrame): MaybePromise<void> {
    const id = required(frame, 'id');
    const subscription = this.subscriptions.remove(id);
    if (subscription === undefined)
      throw new StompError('protocol', 'Unknown subscription', `no subscription has id ${id}`);
    if (subscription.announced) {
      const event = { session: this.session, subscription: subscription.info, cause: 'unsubscribe' } as const;
      this.events.emit('unsubscribed', event);
    }
    return subscription.handle?.cancel();
  }

  /** Tell `subscribed` listeners, unless the session ended or dropped the subscription meanwhile. */
  private announce(subscription: Subscription): void {
    if (this.subscriptions.get(subscription.id) !== subscription || this.status.state !== 'connected') return;
    subscription.announced = true;
    this.events.emit('subscribed', { session: this.session, subscription: subscription.info });
  }
}

/**
 * The session is ending: every subscription leaves the table, the announced ones are announced as ended
 * (cause `disconnect`), and their broker consumers are cancelled.
 */
export function endSubscriptions(
  subscriptions: SubscriptionTable,
  events: BrokerEvents,
  session: SessionInfo,
  log: ResolvedStompOptions['log'],
): void {
  for (const subscription of subscriptions.drain()) {
    if (subscription.announced) {
      const event = { session, subscription: subscription.info, cause: 'disconnect' } as const;
      events.emit('unsubscribed', event);
    }
    const cancelled = subscription.handle?.cancel();
    if (cancelled instanceof Promise) {
      cancelled.catch((error: unknown) => log('error', `STOMP unsubscribe failed: ${String(error)}`));
    }
  }
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
