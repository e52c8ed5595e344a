/*
 * The codes this package's own code uses, also as plain constants (not exported from the package): a minifier
 * inlines a constant (`1009`) where it must keep a property read of the exported table (`t.MESSAGE_TOO_BIG`)
 * at every use, and the client's script-tag files bundle this package.
 */
export const NORMAL = 1000;
export const PROTOCOL_ERROR = 1002;
export const POLICY_VIOLATION = 1008;
export const MESSAGE_TOO_BIG = 1009;

/**
 * Close codes seen on a SockJS connection, with the reason text each one carries on the wire.
 *
 * 1000-1015 are RFC 6455 codes; 2000-2999 are SockJS's own (and Sockwire's additions in that range);
 * 3000-4999 belong to applications (3000 "Go away!" is the SockJS test-suite convention).
 */
export const CloseCode = {
  /** Normal closure, by either side. */
  NORMAL,
  /** The server is shutting down or the page is going away. Reconnecting elsewhere is expected. */
  GOING_AWAY: 1001,
  /**
   * A protocol error: a malformed frame, or an HTTP receiving request aborted mid-session
   * ("Connection interrupted"). Messages may have been lost.
   */
  PROTOCOL_ERROR,
  /** The transport died without a close frame (client side only; never sent on the wire). */
  ABNORMAL: 1006,
  /** The origin of the request is not allowed, or the request broke a server policy. */
  POLICY_VIOLATION,
  /** An inbound message was larger than the receiver's limit. */
  MESSAGE_TOO_BIG,
  /** The server hit an unexpected error. */
  INTERNAL_ERROR: 1011,
  /** The client tried every transport and none opened. */
  ALL_TRANSPORTS_FAILED: 2000,
  /** The transport did not open within its connect timeout. */
  TRANSPORT_TIMEOUT: 2007,
  /** A second receiving request arrived while one is still attached to the session. */
  ANOTHER_CONNECTION: 2010,
  /** Sockwire: the peer sent nothing (not even a heartbeat) for longer than the heartbeat tolerance. */
  HEARTBEAT_TIMEOUT: 2011,
  /** Sockwire: the peer does not read fast enough and its outbound buffer passed the configured cap. */
  BUFFER_OVERFLOW: 2012,
  /** The SockJS test-suite's application close. */
  GO_AWAY: 3000,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * The reason text that goes with each protocol-defined close code. (Plain number keys, not computed ones, so
 * that bundlers can drop the table from clients that never read it.)
 */
export const CloseReason: Readonly<Record<number, string>> = {
  1000: 'Normal closure',
  1001: 'Going away',
  1002: 'Connection interrupted',
  1006: 'Transport closed abnormally',
  1008: 'Policy violation',
  1009: 'Message too big',
  1011: 'Internal server error',
  2000: 'All transports failed',
  2007: 'Transport timed out',
  2010: 'Another connection still open',
  2011: 'Heartbeat timeout',
  2012: 'Buffer overflow',
  3000: 'Go away!',
};

/**
 * Whether a connection closed with `code` is worth opening again automatically.
 *
 * Clean application closes (1000, 3000-4999), policy refusals (1008) and messages the peer can never accept
 * (1009) are final: retrying would repeat them. Everything else (network loss, timeouts, server restarts,
 * interrupted sessions) is transient.
 */
export function isRetryableClose(code: number): boolean {
  return !isApplicationCloseCode(code) && code !== POLICY_VIOLATION && code !== MESSAGE_TOO_BIG;
}

/** Codes an application may pass to `close()` (the W3C WebSocket rule). */
export function isApplicationCloseCode(code: number): boolean {
  return code === NORMAL || (code >= 3000 && code <= 4999);
}
