import type { IncomingHttpHeaders } from 'node:http';
import type { MaybePromise } from '../brokers/broker.js';
import type { StompFrame, StompHeaders, StompVersion } from './codec/frame.js';

/** The authenticated user of a session. `name` addresses user destinations; the rest is the application's. */
export interface StompPrincipal {
  readonly name: string;
  readonly [key: string]: unknown;
}

/** What is known about the client when it CONNECTs: the transport's side of the handshake. */
export interface ConnectRequest {
  readonly connectionId: string;
  readonly transport: string;
  readonly remoteAddress: string;
  /** Headers of the HTTP request that opened the connection ({} over TCP). */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** The negotiated WebSocket subprotocol, or ''. */
  readonly subprotocol: string;
}

/** A session as hooks, interceptors and handlers see it. */
export interface SessionInfo {
  readonly id: string;
  readonly transport: string;
  readonly remoteAddress: string;
  /** Undefined until CONNECTED. */
  readonly version: StompVersion | undefined;
  /** Undefined for an anonymous session (or before CONNECTED). */
  readonly principal: StompPrincipal | undefined;
}

/**
 * Decide who the client is from its CONNECT headers (`login`, `passcode`, a bearer token...) and the
 * handshake. Return the principal, or undefined to let the session in anonymously; throw a
 * {@link StompRejection} to refuse it with a reason the client reads in the ERROR frame.
 */
export type Authenticate = (
  connectHeaders: StompHeaders,
  request: ConnectRequest,
) => MaybePromise<StompPrincipal | undefined | null>;

/**
 * `send` and `subscribe`: the frame's own right, asked for every SEND and SUBSCRIBE to a broker or application
 * destination. `create`: asked, after `send`, only when the SEND would create a queue that does not exist yet
 * (the broker says so: MessageBroker.wouldCreate; the memory and Redis brokers do, a relay does not), because a
 * queue keeps what is sent to it for consumers who may never come. An existing hook now sees `create` too:
 * one written as `action !== 'subscribe'` allows it, one written as `action === 'send'` refuses it.
 */
export type AuthorizeAction = 'send' | 'subscribe' | 'create';

/**
 * May this principal send to, subscribe to, or create this destination (as the client wrote it, e.g.
 * `/user/queue/x`)? False gives ERROR "Access denied" and a close.
 */
export type Authorize = (
  principal: StompPrincipal | undefined,
  action: AuthorizeAction,
  destination: string,
  session: SessionInfo,
) => MaybePromise<boolean>;

/**
 * Sees every inbound frame after parsing and before the session acts on it (the CONNECT too, e.g. to read a
 * token). Return a replacement frame, undefined to keep it, or null to drop it silently (no receipt either).
 * Throw a {@link StompRejection} to refuse it.
 */
/** A replacement frame; undefined (or no `return` at all) to keep the frame; null to drop it. */
// biome-ignore lint/suspicious/noConfusingVoidType: an interceptor that only observes needs no `return`.
export type InterceptorResult = StompFrame | undefined | null | void;

export type InboundInterceptor = (frame: StompFrame, session: SessionInfo) => MaybePromise<InterceptorResult>;

/**
 * Sees every outbound frame before encoding. Synchronous, so delivery order is never changed. Return a
 * replacement, undefined to keep it, or null to drop it (never drop an ERROR or CONNECTED: the client waits for them).
 */
export type OutboundInterceptor = (frame: StompFrame, session: SessionInfo) => InterceptorResult;
