import type { IncomingHttpHeaders } from 'node:http';
import type { Connection, ConnectionEvents, TransportName } from '../connection.js';
import type { HeartbeatPlan } from './negotiate.js';

/**
 * The part of a {@link Connection} the STOMP layer uses. Any Connection of the SockJS server fits; the
 * transport name is widened so that plain STOMP over TCP (`tcp`, from `src/tcp`) fits too.
 */
export interface StompConnection {
  readonly id: string;
  readonly transport: TransportName | 'tcp';
  readonly subprotocol: string;
  readonly remoteAddress: string;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly bufferedAmount: number;
  write(message: string): boolean;
  close(code?: number, reason?: string): boolean;
  on<K extends keyof ConnectionEvents>(event: K, listener: (...args: ConnectionEvents[K]) => void): unknown;
  off<K extends keyof ConnectionEvents>(event: K, listener: (...args: ConnectionEvents[K]) => void): unknown;
  /**
   * Optional, for transports with a watch of their own: told the heart-beats CONNECT agreed on (0: none that
   * way). Plain TCP closes a connection silent both ways for its idle timeout, unless heart-beats run.
   */
  heartbeatsNegotiated?(plan: HeartbeatPlan): void;
  /**
   * Optional: the STOMP parser checks its own frame limits as data arrives, so a transport that would close a
   * connection over a message larger than its own limit may hand the message over instead (up to a hard cap
   * of its own). The parser then refuses the frame with an ERROR that names the STOMP limit it passed, as over
   * TCP. The raw WebSocket endpoint does this.
   */
  relaxMessageLimit?(): void;
}

/** Compile-time proof that the SockJS server's connections are STOMP connections. */
export const asStompConnection = (connection: Connection): StompConnection => connection;
