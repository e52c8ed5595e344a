import type { IncomingHttpHeaders } from 'node:http';
import type { ForwardedRequest } from '../cluster/session-bus.js';
import type { TransportName } from '../connection.js';

/** The kinds of connection: the SockJS server's transports, and plain STOMP over TCP. */
export type ConnectionKind = TransportName | 'tcp';

/** What a connection is and where it came from: fixed when it is created. */
export interface ConnectionIdentity<Kind extends ConnectionKind> {
  /** Unique per server process. */
  readonly id: string;
  readonly transport: Kind;
  /** The WebSocket subprotocol agreed in the handshake, or '' for none (and for HTTP and TCP). */
  readonly subprotocol: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Headers of the request that opened the connection (none for TCP). */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** URL (path and query) of the request that opened the connection ('' for TCP). */
  readonly url: string;
  readonly pathname: string;
  /** The prefix the server was installed under ('' for TCP). */
  readonly prefix: string;
}

/** The identity of a connection opened by an HTTP request (possibly forwarded from another node). */
export function identityOfRequest<Kind extends TransportName>(
  id: string,
  transport: Kind,
  request: ForwardedRequest,
  prefix: string,
  subprotocol: string,
): ConnectionIdentity<Kind> {
  const q = request.url.indexOf('?');
  return {
    id,
    transport,
    subprotocol,
    remoteAddress: request.remoteAddress,
    remotePort: request.remotePort,
    headers: request.headers,
    url: request.url,
    pathname: q < 0 ? request.url : request.url.slice(0, q),
    prefix,
  };
}
