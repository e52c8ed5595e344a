import type { MessageBroker } from '../../brokers/broker.js';
import type { DestinationRouter } from '../destinations.js';
import type { HandlerRegistry } from '../handlers.js';
import type { ResolvedStompOptions } from '../options.js';
import type { StatsCollector } from '../stats.js';
import type { SessionInfo } from '../types.js';

/** What every session of one STOMP broker shares. */
export interface SessionContext {
  readonly options: ResolvedStompOptions;
  readonly broker: MessageBroker;
  readonly router: DestinationRouter;
  readonly handlers: HandlerRegistry;
  readonly stats: StatsCollector;
  /** The session is CONNECTED (with or without a user). */
  connected(session: SessionInfo): void;
  /** The session's connection closed; called once. */
  closed(session: SessionInfo): void;
}
