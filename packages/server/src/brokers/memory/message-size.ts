import type { BrokerMessage } from '../broker.js';

/**
 * Rough memory held by one message: its body and header text (UTF-16 length) plus a fixed overhead for the
 * objects around it. Not exact, but the same estimate for every budget (history's `maxBytes`, the queues'
 * byte quotas), and it depends only on the message, so adding and removing a message always cancel out.
 */
export function messageBytes(message: BrokerMessage): number {
  let bytes = message.body.length + message.destination.length + message.id.length + 64;
  for (const [name, value] of message.headers) bytes += name.length + value.length + 2;
  return bytes;
}
