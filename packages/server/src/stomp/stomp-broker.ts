import type { MessageBroker, MessageHeaders } from '../brokers/broker.js';
import { type DedupeOptions, type DedupeStore, MemoryDedupeStore } from '../brokers/dedupe.js';
import { MemoryBroker } from '../brokers/memory/memory-broker.js';
import type { StompClock } from './clock.js';
import type { StompConnection } from './connection-port.js';
import { DestinationRouter } from './destinations.js';
import { BrokerEvents, type StompBrokerEventName, type StompBrokerListener } from './events.js';
import {
  type HandlerOptions,
  HandlerRegistry,
  type MessageHandler,
  type Payload,
  resultToMessage,
  toHeaderList,
} from './handlers.js';
import { type ResolvedStompOptions, resolveStompOptions, type StompBrokerOptions } from './options.js';
import { relayLinksOf } from './relay/relay.js';
import { sharedBrokerLinks } from './session/broker-link.js';
import type { SessionContext } from './session/context.js';
import { applicationHeaders } from './session/message-encoding.js';
import { StompSession } from './session/session.js';
import { StatsCollector, type StompStats } from './stats.js';
import type { SessionInfo } from './types.js';

export type HeadersInit = Readonly<Record<string, string>> | MessageHeaders;

/**
 * The embedded STOMP 1.2 broker. Hand it connections (`sockjs.on('connection', c => stomp.handleConnection(c))`);
 * publish to destinations and users from server code; route `/app` destinations to handlers.
 */
export interface StompBroker {
  /** Speak STOMP on this connection until it closes. */
  handleConnection(connection: StompConnection): void;
  /** Publish to a broker destination (`/topic/...`, `/queue/...`); resolves with the message id. */
  publish(destination: string, body: Payload, headers?: HeadersInit): Promise<string>;
  /** Publish to `user`'s destination (`/queue/notes`): every session of the user subscribed to `/user/queue/notes`. */
  sendToUser(user: string, destination: string, body: Payload, headers?: HeadersInit): Promise<string>;
  /** Handle SENDs to an application destination, e.g. `onMessage('/rooms/{room}/send', ...)` for `/app/rooms/42/send`. */
  onMessage(pattern: string, handler: MessageHandler, options?: HandlerOptions): () => void;
  /** Handle SUBSCRIBEs to an application destination; the result goes once to the subscriber. */
  onSubscribe(pattern: string, handler: MessageHandler, options?: HandlerOptions): () => void;
  /**
   * Listen to the session lifecycle: `connected`, `disconnected`, `subscribed`, `unsubscribed` (payloads:
   * `StompBrokerEvents`). Returns a function that removes the listener.
   */
  on<E extends StompBrokerEventName>(event: E, listener: StompBrokerListener<E>): () => void;
  /** Sessions whose connection is open. */
  sessions(): SessionInfo[];
  /** The CONNECTED sessions of one user. */
  userSessions(user: string): SessionInfo[];
  stats(): StompStats;
  readonly broker: MessageBroker;
  /** Close every session (1001 Going away) and, if this object created it, the message broker. */
  close(): Promise<void>;
}

export function createStompBroker(options: StompBrokerOptions = {}): StompBroker {
  return new EmbeddedStompBroker(options);
}

/**
 * The options `broker` resolved (defaults filled in, prefixes chosen for its message broker), for the package's
 * own tests: not exported from the package entry, so never part of the public API.
 */
export function resolvedStompOptionsOf(broker: StompBroker): ResolvedStompOptions {
  if (!(broker instanceof EmbeddedStompBroker)) throw new Error('Sockwire: not made by createStompBroker');
  return broker.options;
}

class EmbeddedStompBroker implements StompBroker {
  readonly broker: MessageBroker;
  readonly options: ResolvedStompOptions;
  private readonly ownsBroker: boolean;
  private readonly router: DestinationRouter;
  private readonly handlers = new HandlerRegistry();
  private readonly collector = new StatsCollector();
  private readonly live = new Map<string, StompSession>();
  private readonly users = new Map<string, Set<SessionInfo>>();
  /** Ids of the sessions that got CONNECTED: only they are announced as `disconnected`. */
  private readonly connectedIds = new Set<string>();
  private readonly events: BrokerEvents;
  private readonly context: SessionContext;
  private closed = false;

  constructor(options: StompBrokerOptions) {
    this.options = resolveStompOptions(options);
    const relay = options.relay === undefined ? undefined : relayLinksOf(options.relay);
    if (relay !== undefined && options.broker !== undefined) {
      throw new TypeError('Sockwire STOMP: give either a broker or a relay, not both');
    }
    this.ownsBroker = options.broker === undefined && relay === undefined;
    if (!this.ownsBroker && options.history !== undefined) {
      throw new TypeError(
        'Sockwire STOMP: history configures the default broker; with broker or relay, configure that',
      );
    }
    this.broker =
      options.relay ??
      options.broker ??
      new MemoryBroker(options.history === undefined ? {} : { history: options.history });
    // A relay's own names at RabbitMQ are refused to clients before routing (and so before `authorize`).
    this.router = new DestinationRouter(
      this.options.prefixes,
      relay === undefined ? undefined : (destination) => relay.reservedDestination(destination),
    );
    this.events = new BrokerEvents(this.options.log);
    this.context = {
      options: this.options,
      broker: this.broker,
      links: relay ?? sharedBrokerLinks(this.broker),
      router: this.router,
      handlers: this.handlers,
      dedupe: dedupeStore(options.dedupe, this.broker, this.options.clock),
      stats: this.collector,
      events: this.events,
      connected: (session) => {
        this.connectedIds.add(session.id);
        const name = session.principal?.name;
        if (name !== undefined) {
          let set = this.users.get(name);
          if (set === undefined) {
            set = new Set();
            this.users.set(name, set);
          }
          set.add(session);
        }
        this.events.emit('connected', { session });
      },
      closed: (session, { code, reason }) => {
        this.live.delete(session.id);
        const name = session.principal?.name;
        const set = name === undefined ? undefined : this.users.get(name);
        if (set !== undefined && name !== undefined) {
          set.delete(session);
          if (set.size === 0) this.users.delete(name);
        }
        // Listeners run once the session is out of sessions() and userSessions(), so they see the new state.
        if (this.connectedIds.delete(session.id)) this.events.emit('disconnected', { session, code, reason });
      },
    };
  }

  handleConnection(connection: StompConnection): void {
    if (this.closed) {
      connection.close(1001, 'Going away');
      return;
    }
    // The parser's limits are checked as data arrives: an oversized frame gets an ERROR naming the limit.
    connection.relaxMessageLimit?.();
    const session = new StompSession(connection, this.context);
    this.live.set(session.id, session);
  }

  publish(destination: string, body: Payload, headers: HeadersInit = []): Promise<string> {
    if (!this.router.isBrokerDestination(destination) || destination.startsWith(this.router.userPrefix)) {
      return Promise.reject(new TypeError(`Sockwire STOMP: ${destination} is not a broker destination`));
    }
    return this.send(destination, body, headers);
  }

  sendToUser(user: string, destination: string, body: Payload, headers: HeadersInit = []): Promise<string> {
    if (!this.router.isBrokerDestination(destination)) {
      return Promise.reject(new TypeError(`Sockwire STOMP: ${destination} is not a broker destination`));
    }
    return this.send(this.router.userDestination(user, undefined, destination), body, headers);
  }

  onMessage(pattern: string, handler: MessageHandler, options?: HandlerOptions): () => void {
    return this.handlers.add('message', pattern, handler, options);
  }

  onSubscribe(pattern: string, handler: MessageHandler, options?: HandlerOptions): () => void {
    return this.handlers.add('subscribe', pattern, handler, options);
  }

  on<E extends StompBrokerEventName>(event: E, listener: StompBrokerListener<E>): () => void {
    return this.events.on(event, listener);
  }

  sessions(): SessionInfo[] {
    return [...this.live.values()].map((session) => session.info);
  }

  userSessions(user: string): SessionInfo[] {
    return [...(this.users.get(user) ?? [])];
  }

  stats(): StompStats {
    return this.collector.snapshot(this.users.size, this.broker.stats());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const session of [...this.live.values()]) session.shutdown(1001, 'Going away');
    if (this.ownsBroker) await this.broker.close();
  }

  private async send(destination: string, body: Payload, headers: HeadersInit): Promise<string> {
    const message = resultToMessage(body);
    if (message === undefined) throw new TypeError('Sockwire STOMP: a message needs a body');
    // Explicit headers first: the first occurrence wins, so they override the body's default content-type.
    const all = applicationHeaders([...toHeaderList(headers), ...message.headers]);
    return this.broker.publish(destination, all, message.body);
  }
}

/** The store of idempotency keys: the one given, else the broker's (shared by nodes), else this process's. */
function dedupeStore(
  options: DedupeOptions | false | undefined,
  broker: MessageBroker,
  clock: StompClock,
): DedupeStore | undefined {
  if (options === false) return undefined;
  for (const name of ['window', 'maxKeys'] as const) {
    const value = options?.[name];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new TypeError(
        `Sockwire STOMP: dedupe.${name} must be a positive whole number, got ${String(value)}`,
      );
    }
  }
  return (
    options?.store ??
    broker.dedupeStore ??
    new MemoryDedupeStore({
      ...(options?.window === undefined ? {} : { window: options.window }),
      ...(options?.maxKeys === undefined ? {} : { maxKeys: options.maxKeys }),
      now: () => clock.now(),
    })
  );
}
