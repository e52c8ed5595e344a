import type { MaybePromise } from '../../brokers/broker.js';
import { getHeader, type StompFrame, type StompHeader, type StompVersion } from '../codec/frame.js';
import type { StompConnection } from '../connection-port.js';
import { StompError, StompRejection } from '../errors.js';
import { andThen } from '../maybe.js';
import { type HeartbeatPlan, negotiateHeartbeat, negotiateVersion, parseHeartbeat } from '../negotiate.js';
import type { ResolvedStompOptions } from '../options.js';
import type { SessionInfo, StompPrincipal } from '../types.js';
import { describe } from './app-errors.js';
import type { BrokerLink, BrokerLinks } from './broker-link.js';

export type HandshakeOptions = Pick<
  ResolvedStompOptions,
  'versions' | 'heartbeat' | 'serverName' | 'authenticate' | 'log'
>;

/** What CONNECT reads of its session, and the steps it reports back to it. */
export interface ConnectingSession {
  readonly info: SessionInfo;
  readonly connection: StompConnection;
  /** The version is settled as soon as CONNECT is read, before authentication ends. */
  negotiated(version: StompVersion): void;
  /**
   * Authenticated, with its broker link open: the session sends `connected` and heart-beats by `plan` (or closes
   * the link, when the client left meanwhile).
   */
  accepted(
    version: StompVersion,
    principal: StompPrincipal | undefined,
    connected: StompFrame,
    plan: HeartbeatPlan,
    link: BrokerLink,
  ): void;
  /** The link broke later (a relay lost its connection): the session ends with this error. */
  readonly linkLost: (error: StompError) => void;
}

/**
 * CONNECT (and its alias STOMP): negotiate the version and heart-beats, authenticate, answer CONNECTED.
 * Negotiation happens before authentication so that frames the client pipelined after its CONNECT are parsed
 * with the right header escaping while the (possibly async) authentication runs.
 */
export function connect(
  frame: StompFrame,
  session: ConnectingSession,
  options: HandshakeOptions,
  links: BrokerLinks,
): MaybePromise<void> {
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
  session.negotiated(version);
  return andThen(authenticate(frame, session.connection, options), (principal) =>
    // Authenticated first, so that an unknown client never costs a connection to a relayed broker.
    andThen(links.openLink(session.info, session.linkLost), (link) => {
      const server = options.heartbeat;
      const headers: StompHeader[] = [['version', version]];
      if (version !== '1.0') headers.push(['heart-beat', `${server.send},${server.receive}`]);
      headers.push(['session', session.info.id], ['server', options.serverName]);
      if (principal !== undefined) headers.push(['user-name', principal.name]);
      const plan = version === '1.0' ? { outgoing: 0, incoming: 0 } : negotiateHeartbeat(client, server);
      session.accepted(version, principal, { command: 'CONNECTED', headers, body: '' }, plan, link);
      // A transport may watch for silence itself when no heart-beats will (TCP's idle timeout).
      session.connection.heartbeatsNegotiated?.(plan);
    }),
  );
}

function authenticate(
  frame: StompFrame,
  connection: StompConnection,
  options: HandshakeOptions,
): MaybePromise<StompPrincipal | undefined> {
  const hook = options.authenticate;
  if (hook === undefined) return undefined;
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
    throw refused(error, options.log);
  }
  if (result instanceof Promise) {
    return result.then(checked, (error: unknown) => {
      throw refused(error, options.log);
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

function refused(error: unknown, log: HandshakeOptions['log']): StompError {
  if (error instanceof StompRejection)
    return new StompError('authentication', 'Authentication failed', error.message);
  log('error', `STOMP authenticate failed: ${describe(error)}`);
  return new StompError('authentication', 'Authentication failed', 'the credentials could not be verified');
}
