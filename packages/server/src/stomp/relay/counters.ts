import type { BrokerStats } from '../../brokers/broker.js';

/** What the relay counts, shared by its connections; read through `stats()`. */
export class RelayCounters {
  /** Client sessions' relay connections that are open. */
  connections = 0;
  /** Relayed subscriptions that are open. */
  consumers = 0;
  /** SENDs relayed: clients' own and, through the system connection, the application's. */
  published = 0;
  delivered = 0;
  redelivered = 0;

  brokerStats(): BrokerStats {
    // The broker keeps the queues: what it holds or drops is for its own tools (rabbitmqctl) to say.
    return {
      destinations: 0,
      consumers: this.consumers,
      queued: 0,
      published: this.published,
      delivered: this.delivered,
      redelivered: this.redelivered,
      discarded: 0,
    };
  }
}
