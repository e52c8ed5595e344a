/**
 * What a message broker is to the STOMP layer: destinations, messages and consumers, never sessions or
 * transports. The in-memory broker implements it now; Redis and a RabbitMQ relay implement it later, which is
 * why every operation may answer with a promise (the STOMP session waits before sending a receipt).
 *
 * Destination semantics are the broker's: the memory broker fans a message out to every consumer of a
 * topic-like destination and hands it to one consumer of a queue-like one.
 */

export type MaybePromise<T> = T | Promise<T>;

/**
 * A failure of the broker's backend (unreachable, restarting, refusing), not of the client's frame. Broker
 * implementations throw it or a subclass; a STOMP session then ends with "Broker not available." and a
 * retryable close (1011), so that clients reconnect (possibly to another node) instead of giving up.
 */
export class BrokerFailure extends Error {
  override name = 'BrokerFailure';
}

/** Message headers in wire order; the same shape as STOMP's, but brokers do not depend on the codec. */
export type MessageHeaders = readonly (readonly [name: string, value: string])[];

export interface BrokerMessage {
  readonly destination: string;
  /** Unique in the broker and increasing per destination (a later issue resumes subscriptions from it). */
  readonly id: string;
  /** Application headers only: the STOMP layer adds destination, message-id, subscription, ack, content-length. */
  readonly headers: MessageHeaders;
  readonly body: string;
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
}

export interface ConsumeOptions {
  /**
   * Deliveries wait for `ack` or `nack`. Unacknowledged queue messages go back to the queue when the consumer
   * is cancelled; unacknowledged topic messages are dropped with it (a topic subscription is not durable).
   */
  readonly manualAck: boolean;
  /** With manualAck, at most this many unacknowledged deliveries per consumer on a queue; 0 = no limit. */
  readonly prefetch?: number;
}

export interface ConsumerHandle {
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
  readonly published: number;
  readonly delivered: number;
  readonly redelivered: number;
  /** Dropped: a full queue's oldest message, or a message past the redelivery limit. */
  readonly discarded: number;
}

export interface MessageBroker {
  /** Store-and-forward a message; resolves once the broker accepted it, with its id. */
  publish(destination: string, headers: MessageHeaders, body: string): MaybePromise<string>;
  /** Start consuming; resolves once deliveries can arrive (a SUBSCRIBE receipt waits for it). */
  subscribe(destination: string, consumer: Consumer, options: ConsumeOptions): MaybePromise<ConsumerHandle>;
  stats(): BrokerStats;
  close(): MaybePromise<void>;
}
