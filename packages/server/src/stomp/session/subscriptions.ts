import type { ConsumerHandle } from '../../brokers/broker.js';
import type { SubscriptionInfo } from '../events.js';

export type AckMode = 'auto' | 'client' | 'client-individual';

export function isAckMode(value: string): value is AckMode {
  return value === 'auto' || value === 'client' || value === 'client-individual';
}

/** A MESSAGE sent in a client ack mode and not yet ACKed or NACKed. */
export interface PendingAck {
  /** The MESSAGE's `ack` header: unique in the session. */
  readonly ackId: string;
  /** The broker's delivery tag. */
  readonly tag: number;
  readonly messageId: string;
}

/** One SUBSCRIBE of a session. */
export class Subscription {
  readonly id: string;
  /** As the client wrote it: what MESSAGE frames carry as `destination` (`/user/queue/x`, not its broker name). */
  readonly destination: string;
  readonly ack: AckMode;
  /** The broker consumer; undefined for an application (`/app`) subscription and until the broker answers. */
  handle: ConsumerHandle | undefined;
  /** Delivery order, which a cumulative (`client`) ACK relies on. */
  readonly pending = new Map<string, PendingAck>();
  /** `subscribed` was emitted for it, so its end must be announced too (and only then). */
  announced = false;

  constructor(id: string, destination: string, ack: AckMode) {
    this.id = id;
    this.destination = destination;
    this.ack = ack;
  }

  /** What event listeners see. */
  get info(): SubscriptionInfo {
    return { id: this.id, destination: this.destination, ack: this.ack };
  }
}

/** A session's subscriptions by id, and its unacknowledged messages by ack id. */
export class SubscriptionTable {
  private readonly byId = new Map<string, Subscription>();
  private readonly byAckId = new Map<string, Subscription>();
  private lastAckId = 0;

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Subscription | undefined {
    return this.byId.get(id);
  }

  add(subscription: Subscription): void {
    this.byId.set(subscription.id, subscription);
  }

  remove(id: string): Subscription | undefined {
    const subscription = this.byId.get(id);
    if (subscription === undefined) return undefined;
    this.byId.delete(id);
    for (const ackId of subscription.pending.keys()) this.byAckId.delete(ackId);
    subscription.pending.clear();
    return subscription;
  }

  /** Every subscription, removed from the table (the session is ending). */
  drain(): Subscription[] {
    const all = [...this.byId.values()];
    for (const subscription of all) this.remove(subscription.id);
    return all;
  }

  /** Remember a delivery that needs an ACK; returns its ack id. */
  track(subscription: Subscription, tag: number, messageId: string): string {
    const ackId = String(++this.lastAckId);
    subscription.pending.set(ackId, { ackId, tag, messageId });
    this.byAckId.set(ackId, subscription);
    return ackId;
  }

  /**
   * Find what an ACK/NACK names: by `id` (1.2, the MESSAGE's `ack` header), else by `message-id` within
   * `subscription` (1.1), or within any subscription (1.0, where `subscription` is optional).
   */
  find(
    ackId: string | undefined,
    messageId: string | undefined,
    subscriptionId: string | undefined,
  ): { subscription: Subscription; pending: PendingAck } | undefined {
    if (ackId !== undefined) {
      const subscription = this.byAckId.get(ackId);
      const pending = subscription?.pending.get(ackId);
      return subscription && pending ? { subscription, pending } : undefined;
    }
    if (messageId === undefined) return undefined;
    const candidates =
      subscriptionId === undefined ? [...this.byId.values()] : [this.byId.get(subscriptionId)];
    for (const subscription of candidates) {
      if (subscription === undefined) continue;
      for (const pending of subscription.pending.values()) {
        if (pending.messageId === messageId) return { subscription, pending };
      }
    }
    return undefined;
  }

  /**
   * Take the deliveries an ACK/NACK settles: just `ackId` for `client-individual`, or it and every earlier
   * one on the subscription for `client` (cumulative). Entries already settled are skipped.
   */
  settle(subscription: Subscription, ackId: string): PendingAck[] {
    const settled: PendingAck[] = [];
    if (!subscription.pending.has(ackId)) return settled;
    if (subscription.ack === 'client') {
      for (const [id, pending] of subscription.pending) {
        settled.push(pending);
        if (id === ackId) break;
      }
    } else {
      settled.push(subscription.pending.get(ackId) as PendingAck);
    }
    for (const pending of settled) {
      subscription.pending.delete(pending.ackId);
      this.byAckId.delete(pending.ackId);
    }
    return settled;
  }
}
