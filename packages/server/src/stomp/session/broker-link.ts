import type {
  ConsumeOptions,
  Consumer,
  ConsumerHandle,
  MaybePromise,
  MessageBroker,
  MessageHeaders,
} from '../../brokers/broker.js';
import type { StompHeaders } from '../codec/frame.js';
import type { StompError } from '../errors.js';
import type { SessionInfo } from '../types.js';

export interface LinkConsumeOptions extends ConsumeOptions {
  /** The SUBSCRIBE frame's headers, for a broker that understands more of them (`durable`, `x-queue-name`...). */
  readonly headers: StompHeaders;
}

/**
 * Where one session's own broker-destination frames go (its SENDs and SUBSCRIBEs). With the embedded broker
 * every session shares the one MessageBroker; with a broker relay each session has a connection of its own
 * to the external broker (Spring's StompBrokerRelay). Application handlers never use a link: their results
 * are published through the STOMP broker's MessageBroker.
 */
export interface BrokerLink {
  /**
   * `confirm`: the client asked for a receipt (or the SEND is part of a transaction), so resolve only once the
   * broker has the message. Without it a remote broker may be told and not waited for.
   */
  publish(destination: string, headers: MessageHeaders, body: string, confirm: boolean): MaybePromise<void>;
  /** Resolves once deliveries can arrive. */
  subscribe(
    destination: string,
    consumer: Consumer,
    options: LinkConsumeOptions,
  ): MaybePromise<ConsumerHandle>;
  /**
   * Whether a publish to `destination` (its broker name) would create a queue (MessageBroker.wouldCreate), so
   * that the session asks `authorize` for `'create'`. Optional: a relay leaves that to the external broker's own
   * permissions.
   */
  wouldCreate?(destination: string): MaybePromise<boolean>;
  /** The session is over: drop the link. Handles' `cancel()` is a no-op afterwards. */
  close(): void;
}

/** Opens a link for each session as it CONNECTs. */
export interface BrokerLinks {
  /**
   * Called after authentication and before CONNECTED; a rejection (a StompError) is the ERROR the client gets.
   * `lost` reports a link that broke later: the session ends with that error.
   */
  openLink(session: SessionInfo, lost: (error: StompError) => void): MaybePromise<BrokerLink>;
}

/** The embedded case: every session publishes and subscribes straight on the shared broker. */
export function sharedBrokerLinks(broker: MessageBroker): BrokerLinks {
  const link: BrokerLink = {
    publish: (destination, headers, body) => {
      const id = broker.publish(destination, headers, body);
      return id instanceof Promise ? id.then(() => undefined) : undefined;
    },
    subscribe: (destination, consumer, options) => broker.subscribe(destination, consumer, options),
    ...(broker.wouldCreate === undefined
      ? {}
      : { wouldCreate: (destination: string) => broker.wouldCreate?.(destination) ?? false }),
    close: () => {},
  };
  return { openLink: () => link };
}
