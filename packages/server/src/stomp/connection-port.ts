import type { IncomingHttpHeaders } from 'node:http';
import type { Connection, ConnectionEvents, TransportName } from '../connection.js';

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
}

/** Compile-time proof that the SockJS server's connections are STOMP connections. */
export const asStompConnection = (connection: Connection): StompConnection => connection;
