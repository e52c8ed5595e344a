import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The transport a connection's client is using.
 * `websocket-raw` is the framing-free `<prefix>/websocket` entry point for non-browser clients.
 */
export type TransportName =
  | 'websocket'
  | 'websocket-raw'
  | 'xhr-streaming'
  | 'xhr-polling'
  | 'eventsource'
  | 'htmlfile'
  | 'jsonp-polling';

/** One explicit state per connection; it only moves forward. */
export type ConnectionState = 'connecting' | 'open' | 'closing' | 'closed';

/** Numeric states as WebSocket and sockjs-node number them. */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** Why a connection closed. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** True when the close was agreed (a close call or frame), false when the transport was lost or timed out. */
  readonly wasClean: boolean;
}

export interface ConnectionEvents {
  /** One message from the client. */
  data: [message: string];
  /** The connection is closed; emitted exactly once, after which nothing else is emitted. */
  close: [info: CloseInfo];
  /** The outbound buffer fell back under the high-water mark after `write()` returned false. */
  drain: [];
}

/**
 * What the layers above SockJS (the STOMP broker, applications) see of a client: the same object whatever
 * the transport, a native WebSocket or a series of HTTP requests. Mirrors sockjs-node's connection so that
 * migrating is a change of import.
 */
export interface Connection extends EventEmitter<ConnectionEvents> {
  /** Unique per server process; not the SockJS session id, which the protocol keeps from applications. */
  readonly id: string;
  readonly transport: TransportName;
  /** The transport name again, under the property name sockjs-node uses. */
  readonly protocol: TransportName;
  /** The WebSocket subprotocol agreed in the handshake (e.g. `v12.stomp`), or '' for none and for HTTP. */
  readonly subprotocol: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Headers of the request that opened the connection. */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** URL (path and query) of the request that opened the connection. */
  readonly url: string;
  readonly pathname: string;
  /** The prefix the server was installed under. */
  readonly prefix: string;
  readonly state: ConnectionState;
  readonly readyState: ReadyState;
  /** Bytes accepted by `write()` and not yet handed to the operating system. */
  readonly bufferedAmount: number;
  /**
   * Queue a message for the client. Returns false when the caller should wait for `drain` before writing
   * more (the message is still queued), and also when the connection is no longer open (then it is not).
   */
  write(message: string): boolean;
  /** Close with a code (1000 or 3000-4999 for applications) and a reason. Idempotent. */
  close(code?: number, reason?: string): boolean;
  /** `close(1000, 'Normal closure')`, as in sockjs-node. */
  end(): void;
  /** Drop the connection at once, without a close frame (the client sees it as a network failure). */
  destroy(): void;
}
