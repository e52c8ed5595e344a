import type { BrokerMessage, Consumer, Delivery, MessageHeaders } from '../../brokers/broker.js';
import type { StreamGap } from '../../brokers/history.js';
import type { StompVersion } from '../codec/frame.js';
import type { SessionStatus } from './lifecycle.js';
import { encodeMessage, messageFrame, TARGET_SESSION_HEADER } from './message-encoding.js';
import type { Outbound } from './outbound.js';
import { gapHeaders } from './stream-headers.js';
import type { Subscription, SubscriptionTable } from './subscriptions.js';

export interface DeliveryParts {
  readonly sessionId: string;
  /** Fixed at CONNECTED: every MESSAGE is encoded for it. */
  readonly version: StompVersion;
  /** The user prefix (`/user/`): messages there may be meant for one session of the user only. */
  readonly userPrefix: string;
  readonly status: SessionStatus;
  readonly subscriptions: SubscriptionTable;
  readonly outbound: Outbound;
  /** The session must end (a delivery past `maxUnacked`). */
  readonly fail: (error: unknown) => void;
}

/**
 * The way from a broker (or a subscribe handler) to the client: a delivery for one of the session's
 * subscriptions becomes a MESSAGE frame, tracked for its ACK when the subscription asks for ACKs.
 */
export class Deliveries {
  private readonly sessionId: string;
  private readonly version: StompVersion;
  private readonly userPrefix: string;
  private readonly status: SessionStatus;
  private readonly subscriptions: SubscriptionTable;
  private readonly outbound: Outbound;
  private readonly fail: (error: unknown) => void;
  private lastReplyId = 0;

  constructor(parts: DeliveryParts) {
    this.sessionId = parts.sessionId;
    this.version = parts.version;
    this.userPrefix = parts.userPrefix;
    this.status = parts.status;
    this.subscriptions = parts.subscriptions;
    this.outbound = parts.outbound;
    this.fail = parts.fail;
  }

  /** What the broker delivers to for `subscription`. */
  consumer(subscription: Subscription): Consumer {
    return {
      deliver: this.deliver.bind(this, subscription),
      gap: this.gap.bind(this, subscription),
      whenWritable: (resume: () => void) => this.whenWritable(resume),
    };
  }

  /** A broker delivery for one of this session's subscriptions. */
  deliver(subscription: Subscription, delivery: Delivery): void {
    const { message } = delivery;
    if (this.subscriptions.get(subscription.id) !== subscription || this.status.state !== 'connected') return;
    if (!this.isForThisSession(message)) {
      // Meant for another session of the same user: settle it here so the broker does not wait for us.
      subscription.handle?.ack(delivery.tag);
      return;
    }
    let ackId: string | undefined;
    try {
      ackId = this.subscriptions.track(subscription, delivery.tag, message.id);
    } catch (error) {
      this.fail(error); // maxUnacked: nothing else is kept for the session
      return;
    }
    const address = {
      destination: subscription.destination,
      subscription: subscription.id,
      ackId,
      redelivered: delivery.redelivered,
    };
    if (this.outbound.hasInterceptors) this.outbound.frame(messageFrame(message, address), this.version);
    else this.outbound.text(encodeMessage(message, address, this.version), 'MESSAGE');
  }

  /** A subscribe handler's one-off answer, straight to the subscriber (it never passes the broker). */
  reply(subscription: Subscription, body: string, headers: MessageHeaders): void {
    const message: BrokerMessage = {
      destination: subscription.destination,
      id: `${this.sessionId}-r${++this.lastReplyId}`,
      headers,
      body,
    };
    // No broker holds this message, so its tag only has to be unique here; an ACK of it settles nothing else.
    this.deliver(subscription, { message, redelivered: false, tag: -this.lastReplyId });
  }

  /**
   * A resume that missed messages: a MESSAGE on the subscription with no application message, whose
   * `x-stream-gap` header names the reason (plain STOMP clients can read it), before what is replayed.
   */
  gap(subscription: Subscription, gap: StreamGap): void {
    this.reply(subscription, '', gapHeaders(gap));
  }

  /** Flow control for a replay to one of this session's subscriptions (Outbound.whenWritable). */
  whenWritable(resume: () => void): boolean {
    return this.status.state === 'connected' && this.outbound.whenWritable(resume);
  }

  private isForThisSession(message: BrokerMessage): boolean {
    if (!message.destination.startsWith(this.userPrefix)) return true;
    for (const [name, value] of message.headers)
      if (name === TARGET_SESSION_HEADER) return value === this.sessionId;
    return true;
  }
}
