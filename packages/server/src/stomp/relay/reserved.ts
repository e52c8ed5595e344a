import type { StompHeaders } from '../codec/frame.js';
import { isNativeDestination } from './destinations.js';

/*
 * Names at RabbitMQ that belong to the relay, and that clients must not reach by spelling them out.
 *
 * User destinations travel on the direct exchange with the user's key as routing key (destinations.ts), so a
 * client that could name that exchange itself (`/exchange/amq.direct/%2Fuser%2Fbob%2Fqueue%2Fx`, which the
 * default `/exchange` broker prefix lets through) would bind its own queue to bob's key and read his messages,
 * or send him messages that seem to come from the server, and an `authorize` rule written for `/user/**`
 * would never see it. The same goes for the queues RabbitMQ makes for subscriptions: a durable one is named
 * after its routing key and subscription id, so anyone could work its name out and read it by name.
 *
 * Only client frames are checked: the server's own `publish`, `sendToUser` and handler results still go
 * through these names.
 */

/**
 * The queue RabbitMQ's STOMP adapter declares for each `/exchange` or `/topic` subscription is named
 * `stomp-subscription-<base64 of md5(routing key, subscription id)>` (rabbit_stomp_util), unless the SUBSCRIBE
 * gives `x-queue-name`. User destinations' queues are among them.
 */
export const SUBSCRIPTION_QUEUE_PREFIX = 'stomp-subscription-';

/**
 * The ways RabbitMQ may read one `/`-separated segment of a destination. It decodes only an upper-case `%2F`
 * today (rabbit_routing_parser:unescape); full percent-decoding is checked too, so that a RabbitMQ that
 * decodes more one day does not open a new spelling.
 */
function readings(segment: string): string[] {
  const names = [segment, segment.replaceAll('%2F', '/')];
  try {
    names.push(decodeURIComponent(segment));
  } catch {
    // Not valid percent-encoding: RabbitMQ takes it literally, as the first two readings do.
  }
  return names;
}

/**
 * Why a client may not use `destination` (a broker destination, as the client wrote it) on the relay, or
 * undefined. It follows RabbitMQ's own parsing of destinations, so that every spelling that reaches the
 * direct exchange or a subscription's queue is caught.
 */
export function reservedDestination(destination: string, directExchange: string): string | undefined {
  const segments = destination.split('/');
  if (segments[0] !== '') {
    // RabbitMQ reads a destination without a leading `/` as a queue name.
    return subscriptionQueue(destination, [destination]);
  }
  const [, kind, name, ...rest] = segments;
  if (kind === 'exchange' && name !== undefined && readings(name).includes(directExchange)) {
    return (
      `${destination} names the exchange ${directExchange}, which carries the relay's user destinations ` +
      '(the relay option directExchange): clients may not name it; use /user/... destinations'
    );
  }
  if (kind === 'queue' && name !== undefined) return subscriptionQueue(destination, readings(name));
  if (kind === 'amq' && name === 'queue' && rest[0] !== undefined) {
    return subscriptionQueue(destination, readings(rest[0]));
  }
  return undefined;
}

function subscriptionQueue(destination: string, names: readonly string[]): string | undefined {
  if (!names.some((name) => name.startsWith(SUBSCRIPTION_QUEUE_PREFIX))) return undefined;
  return (
    `${destination} names a queue RabbitMQ made for a subscription (${SUBSCRIPTION_QUEUE_PREFIX}...): ` +
    "those belong to the relay's sessions, user destinations included"
  );
}

/**
 * Why a SUBSCRIBE's `x-queue-name` may not be relayed, or undefined. `destination` is the broker destination
 * (a user destination is `/user/{key}/...`). RabbitMQ declares (or reuses) the queue of that name, so the
 * header could name a queue of another session; and a user destination's queue must keep the name RabbitMQ
 * gives it, which no other client may use (see above).
 */
export function reservedQueueName(destination: string, headers: StompHeaders): string | undefined {
  // Every occurrence: which one RabbitMQ reads is its business, none may be reserved.
  const names = headers.filter((header) => header[0] === 'x-queue-name').map((header) => header[1]);
  if (names.length === 0) return undefined;
  if (!isNativeDestination(destination)) {
    return (
      'x-queue-name is not allowed on user destinations (nor on any destination the relay carries on its ' +
      'direct exchange): RabbitMQ names their queues, so that no other client can find them'
    );
  }
  if (names.some((name) => name.startsWith(SUBSCRIPTION_QUEUE_PREFIX))) {
    return `x-queue-name may not start with ${SUBSCRIPTION_QUEUE_PREFIX}: those queues belong to the relay's sessions`;
  }
  return undefined;
}
