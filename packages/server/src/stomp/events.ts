import type { AckMode } from './session/subscriptions.js';
import type { SessionInfo } from './types.js';

/** A subscription as listeners see it: what the client asked for, never the broker's handle. */
export interface SubscriptionInfo {
  /** The SUBSCRIBE's `id`, unique within its session. */
  readonly id: string;
  /** As the client wrote it: `/topic/x`, `/user/queue/x` (not its per-user broker name), `/app/x`. */
  readonly destination: string;
  readonly ack: AckMode;
}

/**
 * The session lifecycle, as events of the broker (Spring's SessionConnected/Subscribe/Unsubscribe/Disconnect
 * events). Every `subscribed` is followed by exactly one `unsubscribed`, and every `connected` by exactly one
 * `disconnected`, so presence can be kept from subscriptions alone.
 */
export interface StompBrokerEvents {
  /** The session was accepted (`session.principal`, if any, is set); its CONNECTED frame follows. */
  connected: { readonly session: SessionInfo };
  /** A session that had been CONNECTED is gone, after DISCONNECT, an ERROR, a lost connection or `close()`. */
  disconnected: { readonly session: SessionInfo; readonly code: number; readonly reason: string };
  /** A SUBSCRIBE was accepted (authorized, and the broker or the subscribe handler answered). */
  subscribed: { readonly session: SessionInfo; readonly subscription: SubscriptionInfo };
  /**
   * A subscription ended: by UNSUBSCRIBE (`cause: 'unsubscribe'`), or because its session ended
   * (`cause: 'disconnect'`, fired before that session's `disconnected`).
   */
  unsubscribed: {
    readonly session: SessionInfo;
    readonly subscription: SubscriptionInfo;
    readonly cause: 'unsubscribe' | 'disconnect';
  };
}

export type StompBrokerEventName = keyof StompBrokerEvents;
export type StompBrokerListener<E extends StompBrokerEventName> = (event: StompBrokerEvents[E]) => void;

/**
 * Listeners by event. Emitting is synchronous, in registration order; a listener that throws is logged and
 * the others still run, since a bug in application code must not break the session that triggered it.
 */
export class BrokerEvents {
  private readonly listeners: { [E in StompBrokerEventName]: Set<StompBrokerListener<E>> } = {
    connected: new Set(),
    disconnected: new Set(),
    subscribed: new Set(),
    unsubscribed: new Set(),
  };
  private readonly log: (severity: 'error', message: string) => void;

  constructor(log: (severity: 'error', message: string) => void) {
    this.log = log;
  }

  on<E extends StompBrokerEventName>(event: E, listener: StompBrokerListener<E>): () => void {
    const set = this.listeners[event] as Set<StompBrokerListener<E>>;
    // Wrapped so that adding the same function twice gives two registrations, as with EventEmitter.
    const entry: StompBrokerListener<E> = (payload) => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<E extends StompBrokerEventName>(event: E, payload: StompBrokerEvents[E]): void {
    const set = this.listeners[event] as Set<StompBrokerListener<E>>;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        this.log('error', `STOMP ${event} listener failed: ${text}`);
      }
    }
  }
}
