import type { MaybePromise } from '../../brokers/broker.js';
import { getHeader, type StompFrame, type StompVersion } from '../codec/frame.js';
import { StompError } from '../errors.js';
import { required } from './frame-checks.js';
import type { SubscriptionTable } from './subscriptions.js';
import { heldBytes, type TransactionTable } from './transactions.js';

/**
 * ACK (or NACK, `reject`): settle what the frame names with the broker, now or at its transaction's COMMIT.
 * Which header names the message depends on the version: `id` (1.2), `message-id` and `subscription` (1.1),
 * `message-id` alone (1.0).
 */
export function acknowledge(
  frame: StompFrame,
  reject: boolean,
  version: StompVersion,
  subscriptions: SubscriptionTable,
  transactions: TransactionTable,
): MaybePromise<void> {
  const ackId = getHeader(frame.headers, 'id');
  const messageId = getHeader(frame.headers, 'message-id');
  const subscriptionId = getHeader(frame.headers, 'subscription');
  if (ackId === undefined) {
    if (version === '1.2') required(frame, 'id');
    required(frame, 'message-id');
    if (version === '1.1') required(frame, 'subscription');
  }
  const found = subscriptions.find(ackId, messageId, subscriptionId);
  if (found === undefined) {
    const named = ackId ?? messageId ?? '';
    throw new StompError(
      'protocol',
      `Unknown ${frame.command} id`,
      `${named} names no unacknowledged message`,
    );
  }
  const action = (): void => {
    const settled = subscriptions.settle(found.subscription, found.pending.ackId);
    const handle = found.subscription.handle;
    for (const pending of settled) {
      if (reject) handle?.nack(pending.tag);
      else handle?.ack(pending.tag);
    }
  };
  const transaction = getHeader(frame.headers, 'transaction');
  if (transaction === undefined) return action();
  transactions.add(transaction, action, heldBytes(frame));
}
