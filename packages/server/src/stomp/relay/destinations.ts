/**
 * Destination kinds RabbitMQ's STOMP adapter understands; they are relayed unchanged. (`/temp-queue/` and
 * `/reply-queue/` only make sense in a `reply-to` header and its answer, but they are RabbitMQ's all the same.)
 */
const NATIVE_PREFIXES = ['/topic/', '/queue/', '/amq/queue/', '/exchange/', '/temp-queue/', '/reply-queue/'];

/**
 * The broker's name for a destination of ours.
 *
 * The STOMP layer names user destinations `/user/{encoded user}/queue/x` (see `destinations.ts`), which
 * RabbitMQ would refuse. Any such non-native destination becomes `/exchange/<exchange>/<routing key>` with the
 * whole destination as the routing key: a SUBSCRIBE gets an exclusive auto-delete queue bound with that key,
 * and a SEND reaches every queue bound with it. So a message for a user reaches each of the user's
 * subscribed sessions, on every node sharing the broker, with no user registry. The cost: like a topic,
 * nothing is kept for a user with no subscribed session.
 *
 * The key is percent-encoded because RabbitMQ percent-decodes destinations (a `/` in the key would otherwise
 * end the exchange part); decoding gives back our destination, so distinct destinations keep distinct keys.
 * RabbitMQ caps routing keys at 255 bytes.
 */
export function brokerDestination(destination: string, directExchange: string): string {
  if (isNativeDestination(destination)) return destination;
  return `/exchange/${encodeURIComponent(directExchange)}/${encodeURIComponent(destination)}`;
}

/** Whether RabbitMQ knows `destination` as it is; any other travels through the direct exchange. */
export function isNativeDestination(destination: string): boolean {
  return NATIVE_PREFIXES.some((prefix) => destination.startsWith(prefix));
}
