import type { MessageBroker } from '../../brokers/broker.js';
import type { DedupeStore } from '../../brokers/dedupe.js';
import type { CloseInfo } from '../../connection.js';
import type { DestinationRouter } from '../destinations.js';
import type { BrokerEvents } from '../events.js';
import type { HandlerRegistry } from '../handlers.js';
import type { ResolvedStompOptions } from '../options.js';
import type { StatsCollector } from '../stats.js';
import type { SessionInfo } from '../types.js';
import type { BrokerLinks } from './broker-link.js';

/** What every session of one STOMP broker shares. */
export interface SessionContext {
  readonly options: ResolvedStompOptions;
  /** Where application handlers' results and server-side publishes go. */
  readonly broker: MessageBroker;
  /** Where each session's own SENDs and SUBSCRIBEs go: the shared broker, or a relay connection per session. */
  readonly links: BrokerLinks;
  readonly router: DestinationRouter;
  readonly handlers: HandlerRegistry;
  /** Keys of idempotent SENDs (`x-idempotency-key`); undefined when deduplication is off. */
  readonly dedupe: DedupeStore | undefined;
  readonly stats: StatsCollector;
  /** The broker's lifecycle events (`connected`, `subscribed`, ...), emitted by the sessions. */
  readonly events: BrokerEvents;
  /** The session is CONNECTED (with or without a user). */
  connected(session: SessionInfo): void;
  /** The session's connection closed; called once. */
  closed(session: SessionInfo, info: CloseInfo): void;
}
