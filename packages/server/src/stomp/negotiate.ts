import { STOMP_VERSIONS, type StompVersion } from './codec/frame.js';

/** The WebSocket subprotocols that name a STOMP version, newest first (what stompjs offers). */
export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'] as const;

const SUBPROTOCOL_VERSION: Readonly<Record<string, StompVersion>> = {
  'v12.stomp': '1.2',
  'v11.stomp': '1.1',
  'v10.stomp': '1.0',
};

/**
 * The version to speak, or undefined when there is none in common.
 *
 * A CONNECT without `accept-version` is a 1.0 client, whatever the WebSocket handshake said (stompjs offers
 * all three subprotocols and we pick the newest, which tells nothing about the client). A negotiated
 * subprotocol is a ceiling, though: a client that agreed to `v11.stomp` gets nothing newer than 1.1.
 */
export function negotiateVersion(
  acceptVersion: string | undefined,
  subprotocol: string,
  supported: readonly StompVersion[],
): StompVersion | undefined {
  const ceiling = SUBPROTOCOL_VERSION[subprotocol];
  const offered = acceptVersion === undefined ? ['1.0'] : acceptVersion.split(',').map((v) => v.trim());
  for (const version of STOMP_VERSIONS) {
    if (ceiling !== undefined && version > ceiling) continue;
    if (offered.includes(version) && supported.includes(version)) return version;
  }
  return undefined;
}

/** Pick the server's subprotocol from those a WebSocket client offered (for the SockJS server's hook). */
export function chooseStompSubprotocol(offered: ReadonlySet<string>): string | false {
  for (const name of STOMP_SUBPROTOCOLS) if (offered.has(name)) return name;
  return false;
}

export interface HeartbeatPair {
  /** Milliseconds between beats the side can send (0: cannot). */
  readonly send: number;
  /** Milliseconds between beats the side wants to receive (0: does not want them). */
  readonly receive: number;
}

const HEARTBEAT = /^([0-9]{1,10}),([0-9]{1,10})$/;

/** A `heart-beat: cx,cy` header; missing means 0,0. Undefined when malformed. */
export function parseHeartbeat(header: string | undefined): HeartbeatPair | undefined {
  if (header === undefined) return { send: 0, receive: 0 };
  const match = HEARTBEAT.exec(header);
  if (match === null) return undefined;
  return { send: Number(match[1]), receive: Number(match[2]) };
}

export interface HeartbeatPlan {
  /** Server sends an EOL after this many idle milliseconds; 0: never. */
  readonly outgoing: number;
  /** Server expects data at least this often; 0: no check. */
  readonly incoming: number;
}

/**
 * The spec's rule: a direction is on only when the sender can and the receiver wants, at the slower of the
 * two rates. Client→server: max(cx, sy); server→client: max(sx, cy).
 */
export function negotiateHeartbeat(client: HeartbeatPair, server: HeartbeatPair): HeartbeatPlan {
  return {
    incoming: client.send === 0 || server.receive === 0 ? 0 : Math.max(client.send, server.receive),
    outgoing: server.send === 0 || client.receive === 0 ? 0 : Math.max(server.send, client.receive),
  };
}
