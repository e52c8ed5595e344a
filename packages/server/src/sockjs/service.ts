import type { IncomingMessage } from 'node:http';
import type { WebSocketServer } from 'ws';
import type { ForwardedRequest } from '../cluster/session-bus.js';
import type { Connection, TransportName } from '../connection.js';
import type { ResolvedOptions } from '../options.js';
import type { Session } from './session.js';
import type { Refusal } from './session-binding.js';
import type { SessionForwarder } from './session-forwarding.js';

/** What the endpoint and transport handlers need from the service that routes to them (service-core.ts). */
export interface SockjsService {
  readonly options: ResolvedOptions;
  readonly webSocketServer: WebSocketServer;
  /** The raw endpoint's: a larger hard cap on messages, each connection applying maxMessageSize itself. */
  readonly rawWebSocketServer: WebSocketServer;
  /** Cross-node routing when the server is part of a cluster, else null. */
  readonly forwarder: SessionForwarder | null;
  /**
   * The existing session for `sessionId` if this request may use it, or a new one created by this receiving
   * request; otherwise the refusal to answer (binding, quotas).
   */
  openSession(sessionId: string, transport: TransportName, request: ForwardedRequest): Session | Refusal;
  /** Null when a WebSocket from this request fits the session quotas; the refusal otherwise. */
  admitUpgrade(request: IncomingMessage): Refusal | null;
  findSession(sessionId: string): Session | undefined;
  /** A session not kept in the table (WebSocket): the server still tracks it for stats and shutdown. */
  createDetachedSession(transport: TransportName, request: IncomingMessage, subprotocol: string): Session;
  /** Announce a connection that is not a Session (the raw WebSocket endpoint). */
  announce(connection: Connection): void;
}
