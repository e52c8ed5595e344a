import type { ConsumerHandle } from '../../brokers/broker.js';
import { StompError } from '../errors.js';
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
  /**
   * Whether something holds messages back once this subscription has `prefetch` unacknowledged: true for a
   * queue (the broker keeps the rest), false for a topic or a subscribe handler's replies (nothing waits, so
   * the session's `maxUnacked` bounds them), undefined until the broker answers. See SubscriptionTable.attach.
   */
  heldBack: boolean | undefined;
  /** Delivery order, which a cumulative (`client`) ACK relies on. */
  readonly pending = new Map<string, PendingAck>();
  /** `subscribed` was emitted for it, so its end must be announced too (and only then). */
  announced = false;

  constructor(id: string, destination: string, ack: AckMode, heldBack?: boolean) {
    this.id = id;
    this.destination = destination;
    this.ack = ack;
    this.heldBack = heldBack;
  }

  /** What event listeners see. */
  get info(): SubscriptionInfo {
    return { id: this.id, destination: this.destination, ack: this.ack };
  }
}

/**
 * The prefetch a client-ack subscription asks its broker for: the SUBSCRIBE's `prefetch-count`, but never
 * more than `maxUnacked`, nor unlimited (0), so that a queue stops handing a subscriber that does not ACK more
 * messages than the session may hold, and keeps the rest for later or for other subscribers.
 */
export function boundedPrefetch(requested: number, maxUnacked: number): number {
  return requested === 0 || requested > maxUnacked ? maxUnacked : requested;
}

/**
 * Whether the broker holds messages back for a consumer at its prefetch, as a queue does. A topic-like
 * destination delivers everything, and its handle says so: it has a stream `position`, or it is not
 * `retained` (ConsumerHandle). A broker whose handles say neither is trusted to honour the prefetch.
 */
function holdsBack(handle: ConsumerHandle): boolean {
  return handle.position === undefined && handle.retained !== false;
}

/**
 * A session's subscriptions by id, and its unacknowledged messages by ack id. What it tracks is memory the
 * client controls, so it is bounded by `maxUnacked`: a queue subscription through its prefetch (see
 * boundedPrefetch), and all the subscriptions where nothing holds messages back (topics, subscribe handlers'
 * replies) together here, by refusing the delivery that would pass it.
 */
export class SubscriptionTable {
  private readonly byId = new Map<string, Subscription>();
  private readonly byAckId = new Map<string, Subscription>();
  private readonly maxUnacked: number;
  /** Unacknowledged deliveries on the subscriptions with `heldBack` false: what `maxUnacked` bounds. */
  private unbounded = 0;
  private lastAckId = 0;

  constructor(maxUnacked: number) {
    this.maxUnacked = maxUnacked;
  }

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

  /**
   * The broker answered the SUBSCRIBE: keep its handle, and learn whether it holds messages back. What a
   * topic delivered before this (a resume's replay) counts from now on, and a delivery past the limit is
   * refused from the next one.
   */
  attach(subscription: Subscription, handle: ConsumerHandle): void {
    subscription.handle = handle;
    subscription.heldBack = holdsBack(handle);
    if (!subscription.heldBack && this.byId.get(subscription.id) === subscription) {
      this.unbounded += subscription.pending.size;
    }
  }

  remove(id: string): Subscription | undefined {
    const subscription = this.byId.get(id);
    if (subscription === undefined) return undefined;
    this.byId.delete(id);
    for (const ackId of subscription.pending.keys()) this.byAckId.delete(ackId);
    if (subscription.heldBack === false) this.unbounded -= subscription.pending.size;
    subscription.pending.clear();
    return subscription;
  }

  /** Every subscription, removed from the table (the session is ending). */
  drain(): Subscription[] {
    const all = [...this.byId.values()];
    for (const subscription of all) this.remove(subscription.id);
    return all;
  }

  /**
   * Remember a delivery that needs an ACK (client ack modes); returns its ack id, or undefined in auto mode.
   * Throws a StompError (kind `limit`) instead when it would take the session past `maxUnacked` where
   * nothing holds messages back: the session must end, as it cannot refuse a broadcast message for later.
   */
  track(subscription: Subscription, tag: number, messageId: string): string | undefined {
    if (subscription.ack === 'auto') return undefined;
    const counted = subscription.heldBack === false;
    if (counted && this.unbounded >= this.maxUnacked) {
      throw new StompError(
        'limit',
        'Too many unacknowledged messages',
        `a session may hold at most ${this.maxUnacked} unacknowledged messages (maxUnacked): ACK or NACK ` +
          'messages as they arrive, or subscribe with ack:auto (a prefetch-count holds back queues only)',
      );
    }
    const ackId = String(++this.lastAckId);
    subscription.pending.set(ackId, { ackId, tag, messageId });
    this.byAckId.set(ackId, subscription);
    if (counted) this.unbounded++;
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
    if (subscription.heldBack === false) this.unbounded -= settled.length;
    return settled;
  }
}
