import type { BrokerStats, ConsumerHandle, MessageBroker, MessageHeaders } from '../../brokers/broker.js';
import { StompError } from '../errors.js';
import type { BrokerLink, BrokerLinks } from '../session/broker-link.js';
import type { SessionInfo } from '../types.js';
import { RelayCounters } from './counters.js';
import { brokerDestination } from './destinations.js';
import {
  displayRelayUrl,
  type ResolvedRelayOptions,
  resolveRelayOptions,
  type StompRelayOptions,
} from './options.js';
import { reservedDestination } from './reserved.js';
import { RelaySessionLink } from './session-link.js';
import { type AvailabilityListener, SystemConnection } from './system-connection.js';
import { BROKER_CONNECTION_CLOSED, BROKER_NOT_AVAILABLE, UpstreamConnection } from './upstream.js';

/**
 * An external STOMP broker (RabbitMQ's STOMP adapter) behind the STOMP layer, as Spring's StompBrokerRelay:
 * give it to `createStompBroker({ relay })`. Each client session gets its own connection to the broker when it
 * CONNECTs; application messages go through one shared system connection, which reconnects with backoff.
 * As a MessageBroker it only publishes (through the system connection).
 */
export interface StompRelay extends MessageBroker {
  /** `stomp://login@host:port[/vhost]`, without the passcode. */
  readonly url: string;
  /** Whether the system connection is up: while it is not, new sessions get ERROR `Broker not available.`. */
  readonly available: boolean;
  /** Resolves true once the system connection is up, or false after `timeout` ms (default 10 000). */
  whenAvailable(timeout?: number): Promise<boolean>;
  /** Spring's BrokerAvailabilityEvent: `true` each time the system connection comes up, `false` when lost. */
  onAvailability(listener: AvailabilityListener): () => void;
  /** Close the system connection and every session's relay connection (their clients get an ERROR). */
  close(): void;
}

/**
 * A relay as the STOMP broker uses it, beyond publishing: a broker connection per client session, and the
 * destinations that are the relay's own. Not on the public StompRelay: only createStompBroker calls these.
 */
export interface RelayLinks extends BrokerLinks {
  /**
   * Why a client may not SEND or SUBSCRIBE to `destination` (a broker destination as the client wrote it), or
   * undefined: the direct exchange that carries user destinations, and the queues RabbitMQ makes for
   * subscriptions, are the relay's (reserved.ts). The STOMP broker asks before routing a client's frame.
   */
  reservedDestination(destination: string): string | undefined;
}

/** Start a relay; its system connection begins connecting at once. */
export function createStompRelay(options: StompRelayOptions = {}): StompRelay {
  return new BrokerRelay(resolveRelayOptions(options));
}

/** The session links of a relay made by createStompRelay (the only kind the STOMP broker can drive). */
export function relayLinksOf(relay: StompRelay): RelayLinks {
  if (!(relay instanceof BrokerRelay)) {
    throw new TypeError('Sockwire STOMP: relay takes what createStompRelay() returned');
  }
  return relay;
}

class BrokerRelay implements StompRelay, RelayLinks {
  readonly url: string;
  private readonly options: ResolvedRelayOptions;
  private readonly system: SystemConnection;
  private readonly counters = new RelayCounters();
  /** Open session links, with what to tell their session if the relay shuts down under it. */
  private readonly links = new Map<RelaySessionLink, (error: StompError) => void>();
  private lastPublished = 0;
  private closed = false;

  constructor(options: ResolvedRelayOptions) {
    this.options = options;
    this.url = displayRelayUrl(options);
    this.system = new SystemConnection(options);
  }

  get available(): boolean {
    return this.system.available;
  }

  whenAvailable(timeout = 10_000): Promise<boolean> {
    if (this.system.available) return Promise.resolve(true);
    return new Promise((resolve) => {
      const { clock } = this.options;
      const timer = clock.setTimeout(() => {
        remove();
        resolve(false);
      }, timeout);
      const remove = this.system.onChange((available) => {
        if (!available) return;
        clock.clearTimeout(timer);
        remove();
        resolve(true);
      });
    });
  }

  onAvailability(listener: AvailabilityListener): () => void {
    return this.system.onChange(listener);
  }

  reservedDestination(destination: string): string | undefined {
    return reservedDestination(destination, this.options.directExchange);
  }

  openLink(session: SessionInfo, lost: (error: StompError) => void): Promise<BrokerLink> {
    if (this.closed || !this.system.available) {
      return Promise.reject(
        new StompError('broker', BROKER_NOT_AVAILABLE, 'no connection to the message broker'),
      );
    }
    // Both callbacks run only later (after CONNECTED, or at close), once `link` exists.
    const upstream = new UpstreamConnection(
      this.options,
      this.options.client,
      `session ${session.id}`,
      (error) => {
        link.lost();
        lost(error);
      },
    );
    const link = new RelaySessionLink(upstream, this.options.directExchange, this.counters, () => {
      this.links.delete(link);
    });
    this.links.set(link, lost);
    return upstream.ready.then(
      () => link,
      (error: unknown) => {
        link.lost();
        throw error;
      },
    );
  }

  async publish(destination: string, headers: MessageHeaders, body: string): Promise<string> {
    const frame = {
      command: 'SEND',
      headers: [
        ['destination', brokerDestination(destination, this.options.directExchange)] as const,
        ...headers,
      ],
      body,
    };
    await this.system.publish(frame);
    this.counters.published++;
    // The broker's message id is only known to subscribers; this one is the relay's.
    return `relay-${++this.lastPublished}`;
  }

  subscribe(): Promise<ConsumerHandle> {
    return Promise.reject(
      new TypeError(
        'Sockwire STOMP relay: the system connection only publishes; subscriptions belong to client sessions',
      ),
    );
  }

  stats(): BrokerStats {
    return this.counters.brokerStats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.system.close();
    const error = new StompError('broker', BROKER_CONNECTION_CLOSED, 'the relay was shut down');
    for (const [link, lost] of [...this.links]) {
      link.close();
      lost(error);
    }
  }
}
