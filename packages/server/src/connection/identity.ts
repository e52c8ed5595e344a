import type { ForwardedRequest } from '../cluster/session-bus.js';
import type { Connection, TransportName } from '../connection.js';

/** The kinds of connection: the SockJS server's transports, and plain STOMP over TCP. */
export type ConnectionKind = TransportName | 'tcp';

/**
 * What a connection is and where it came from: fixed when it is created. The fields and their meaning are the
 * public `Connection`'s (for TCP: no subprotocol, headers, url, pathname or prefix), with its own kind.
 */
export type ConnectionIdentity<Kind extends ConnectionKind> = Pick<
  Connection,
  'id' | 'subprotocol' | 'remoteAddress' | 'remotePort' | 'headers' | 'url' | 'pathname' | 'prefix'
> & { readonly transport: Kind };

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
