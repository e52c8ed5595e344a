/**
 * What a message broker is to the STOMP layer: destinations, messages and consumers, never sessions or
 * transports. The in-memory broker, the Redis broker and the RabbitMQ relay implement it; the last two answer
 * over the network, which is why every operation may answer with a promise (the STOMP session waits before
 * sending a receipt).
 *
 * Destination semantics are the broker's: the memory broker fans a message out to every consumer of a
 * topic-like destination and hands it to one consumer of a queue-like one.
 */

import type { DedupeStore } from './dedupe.js';
import type { StreamGap, StreamResume } from './history.js';

export type MaybePromise<T> = T | Promise<T>;

/**
 * A failure of the broker's backend (unreachable, restarting, refusing), not of the client's frame. Broker
 * implementations throw it or a subclass; a STOMP session then ends with "Broker not available." and a
 * retryable close (1011), so that clients reconnect (possibly to another node) instead of giving up.
 */
export class BrokerFailure extends Error {
  override name = 'BrokerFailure';
}

/**
 * A publish or subscribe the broker refuses because it would pass one of its quotas (too many queues, too many
 * bytes held). Unlike a BrokerFailure this is not an outage that a reconnect elsewhere fixes, and unlike a
 * silent drop the sender learns it: the STOMP session ends with ERROR `Quota exceeded: <quota>` (kind `limit`).
 * Not a BrokerFailure subclass on purpose, so that code retrying broker failures does not retry it.
 */
export class BrokerQuotaError extends Error {
  override name = 'BrokerQuotaError';
  /** The option that set the limit, e.g. `maxQueues`: what the ERROR names. */
  readonly quota: string;
  readonly limit: number;

  constructor(quota: string, limit: number, message: string) {
    super(message);
    this.quota = quota;
    this.limit = limit;
  }
}

/** Message headers in wire order; the same shape as STOMP's, but brokers do not depend on the codec. */
export type MessageHeaders = readonly (readonly [name: string, value: string])[];

export interface BrokerMessage {
  readonly destination: string;
  /** Unique in the broker and increasing per destination (resumes use `offset`, not this). */
  readonly id: string;
  /** Application headers only: the STOMP layer adds destination, message-id, subscription, ack, content-length. */
  readonly headers: MessageHeaders;
  readonly body: string;
  /**
   * The message's position in its destination's history (see history.ts): consecutive per destination within
   * `epoch`. Set only by a broker that keeps history for the destination.
   */
  readonly offset?: number;
  readonly epoch?: string;
}

export interface Delivery {
  readonly message: BrokerMessage;
  /** The message was delivered before and not acknowledged (NACKed, or its consumer went away). */
  readonly redelivered: boolean;
  /** Names this delivery in `ack`/`nack` on the consumer's handle; unique per consumer. */
  readonly tag: number;
}

/** The receiving end of a subscription. `deliver` must not throw and should not block. */
export interface Consumer {
  deliver(delivery: Delivery): void;
  /**
   * A resume could not be served in full (see StreamGap); called before the replayed and live deliveries that
   * follow it. Must not throw.
   */
  gap?(gap: StreamGap): void;
  /**
   * Flow control for a replay: true when the consumer can take more now; otherwise false, and `resume` is called
   * once it can (its outbound buffer drained). A consumer without it takes a replay in one go.
   */
  whenWritable?(resume: () => void): boolean;
}

export interface PublishOptions {
  /**
   * Keep the message in the destination's history (give it an offset). Default true; false for a message meant
   * for one session only, which the user's other sessions skip and which no resume should replay.
   */
  readonly history?: boolean;
}

export interface ConsumeOptions {
  /**
   * Deliveries wait for `ack` or `nack`. Unacknowledged queue messages go back to the queue when the consumer
   * is cancelled; unacknowledged topic messages are dropped with it (a topic subscription is not durable).
   */
  readonly manualAck: boolean;
  /** With manualAck, at most this many unacknowledged deliveries per consumer on a queue; 0 = no limit. */
  readonly prefetch?: number;
  /**
   * Start from the destination's history rather than live: the retained messages from that position are
   * delivered first, then live ones, with no gap and no duplicate at the switch. Default live only (`next`).
   */
  readonly resume?: StreamResume;
}

/** Where live delivery of a subscription starts in its destination's history (see history.ts). */
export interface StreamPosition {
  /** The offset the next message published there will have. */
  readonly next: number;
  /** The epoch of that numbering; undefined while the destination has no history yet (it starts at 0). */
  readonly epoch: string | undefined;
}

export interface ConsumerHandle {
  /**
   * Set when the destination keeps history: a client that got no message yet can still resume from here
   * after a reconnect (the STOMP layer puts it on the SUBSCRIBE's RECEIPT).
   */
  readonly position?: StreamPosition;
  /**
   * False for a topic-like destination that keeps no history: what is published while its subscriber is away is
   * lost and no resume can recover it (the STOMP layer says `x-stream-history:none` on the RECEIPT, so that a
   * client can report a gap after a reconnect rather than stay silent). Undefined otherwise.
   */
  readonly retained?: false;
  ack(tag: number): void;
  /** Reject a delivery: it is delivered again, marked redelivered, until the broker's redelivery limit. */
  nack(tag: number): void;
  /** Stop consuming. Idempotent. */
  cancel(): MaybePromise<void>;
}

export interface BrokerStats {
  /** Destinations with consumers or held messages. */
  readonly destinations: number;
  readonly consumers: number;
  /** Messages held in queues for want of a consumer with capacity. */
  readonly queued: number;
  /**
   * Estimated bytes that queues hold: messages waiting and messages delivered but not yet acknowledged (what a
   * broker's queue byte quota bounds). Optional: the memory broker reports it.
   */
  readonly queuedBytes?: number;
  readonly published: number;
  readonly delivered: number;
  readonly redelivered: number;
  /** Dropped: a full queue's oldest message, a message past the redelivery limit, an expired queue's messages. */
  readonly discarded: number;
  /** Destinations with retained history, and the messages replayed to resuming subscribers. Optional. */
  readonly history?: { readonly destinations: number; readonly bytes: number; readonly replayed: number };
}

export interface MessageBroker {
  /** Store-and-forward a message; resolves once the broker accepted it, with its id. */
  publish(
    destination: string,
    headers: MessageHeaders,
    body: string,
    options?: PublishOptions,
  ): MaybePromise<string>;
  /** Start consuming; resolves once deliveries can arrive (a SUBSCRIBE receipt waits for it). */
  subscribe(destination: string, consumer: Consumer, options: ConsumeOptions): MaybePromise<ConsumerHandle>;
  /**
   * Whether a publish to `destination` would create a queue: a destination that keeps messages for consumers who
   * are not there yet, and that does not exist now. The STOMP layer then asks `authorize` for `'create'` before a
   * client's SEND creates it (so that nobody fills queues nobody may consume). False for a fan-out destination,
   * which keeps nothing for absent consumers beyond its bounded history. Optional: without it no SEND is
   * asked for `'create'`.
   */
  wouldCreate?(destination: string): MaybePromise<boolean>;
  stats(): BrokerStats;
  close(): MaybePromise<void>;
  /**
   * Where idempotent sends' keys live when the broker is shared by several nodes (Redis): the STOMP layer uses it
   * unless told otherwise. Optional; a broker without one gets this process's memory.
   */
  readonly dedupeStore?: DedupeStore;
}
