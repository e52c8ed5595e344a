import type { MaybePromise } from '../../brokers/broker.js';
import { getHeader, type StompFrame, type StompHeader } from '../codec/frame.js';
import { StompError, StompRejection } from '../errors.js';
import { andThen } from '../maybe.js';
import { negotiateHeartbeat, negotiateVersion, parseHeartbeat } from '../negotiate.js';
import type { StompPrincipal } from '../types.js';
import { describe } from './app-errors.js';
import type { StompSession } from './session.js';

/**
 * CONNECT (and its alias STOMP): negotiate the version and heart-beats, authenticate, answer CONNECTED.
 * Negotiation happens before authentication so that frames the client pipelined after its CONNECT are parsed
 * with the right header escaping while the (possibly async) authentication runs.
 */
export function connect(session: StompSession, frame: StompFrame): MaybePromise<void> {
  const { options } = session.context;
  if (frame.body !== '')
    throw new StompError('protocol', 'Malformed frame', `${frame.command} must not have a body`);
  const supported = [...options.versions].sort().join(',');
  const version = negotiateVersion(
    getHeader(frame.headers, 'accept-version'),
    session.connection.subprotocol,
    options.versions,
  );
  if (version === undefined) {
    throw new StompError('protocol', 'Version mismatch', `Supported protocol versions are ${supported}`, [
      ['version', supported],
    ]);
  }
  // Heart-beating is a 1.1 addition: a 1.0 client's header means nothing.
  const client =
    version === '1.0' ? { send: 0, receive: 0 } : parseHeartbeat(getHeader(frame.headers, 'heart-beat'));
  if (client === undefined) {
    throw new StompError(
      'protocol',
      'Invalid heart-beat',
      'heart-beat must be two numbers of milliseconds: cx,cy',
    );
  }
  session.beginConnect(version);
  const { links } = session.context;
  return andThen(authenticate(session, frame), (principal) =>
    // Authenticated first, so that an unknown client never costs a connection to a relayed broker.
    andThen(links.openLink(session.info, session.linkLost), (link) => {
      const server = options.heartbeat;
      const headers: StompHeader[] = [['version', version]];
      if (version !== '1.0') headers.push(['heart-beat', `${server.send},${server.receive}`]);
      headers.push(['session', session.id], ['server', options.serverName]);
      if (principal !== undefined) headers.push(['user-name', principal.name]);
      const plan = version === '1.0' ? { outgoing: 0, incoming: 0 } : negotiateHeartbeat(client, server);
      session.completeConnect(principal, { command: 'CONNECTED', headers, body: '' }, plan, link);
      // A transport may watch for silence itself when no heart-beats will (TCP's idle timeout).
      session.connection.heartbeatsNegotiated?.(plan);
    }),
  );
}

function authenticate(session: StompSession, frame: StompFrame): MaybePromise<StompPrincipal | undefined> {
  const hook = session.context.options.authenticate;
  if (hook === undefined) return undefined;
  const { connection } = session;
  const request = {
    connectionId: connection.id,
    transport: connection.transport,
    remoteAddress: connection.remoteAddress,
    headers: connection.headers,
    subprotocol: connection.subprotocol,
  };
  let result: MaybePromise<StompPrincipal | undefined | null>;
  try {
    result = hook(frame.headers, request);
  } catch (error) {
    throw refused(session, error);
  }
  if (result instanceof Promise) {
    return result.then(checked, (error: unknown) => {
      throw refused(session, error);
    });
  }
  return checked(result);
}

function checked(principal: StompPrincipal | undefined | null): StompPrincipal | undefined {
  if (principal === undefined || principal === null) return undefined;
  if (typeof principal.name !== 'string' || principal.name === '') {
    throw new TypeError('Sockwire STOMP: authenticate must return a principal with a non-empty name');
  }
  return principal;
}

function refused(session: StompSession, error: unknown): StompError {
  if (error instanceof StompRejection)
    return new StompError('authentication', 'Authentication failed', error.message);
  session.context.options.log('error', `STOMP authenticate failed: ${describe(error)}`);
  return new StompError('authentication', 'Authentication failed', 'the credentials could not be verified');
}
