import { CloseCode } from '@sockwire/protocol';
import type { StompHeaders } from './codec/frame.js';

/** What went wrong, for stats and for choosing the close code. */
export type StompErrorKind =
  | 'protocol'
  | 'limit'
  | 'authentication'
  | 'authorization'
  | 'handler'
  | 'heartbeat'
  | 'connect-timeout'
  | 'slow-consumer'
  | 'broker';

export const STOMP_ERROR_KINDS: readonly StompErrorKind[] = [
  'protocol',
  'limit',
  'authentication',
  'authorization',
  'handler',
  'heartbeat',
  'connect-timeout',
  'slow-consumer',
  'broker',
];

/**
 * Close codes after an ERROR frame. Refusals (1008) are final, so a client that follows `isRetryableClose`
 * does not retry bad credentials; protocol errors (1002, what Spring uses after ERROR), lost heart-beats
 * (2011), slow consumers (2012) and an unavailable relayed broker (1011) are transient. Over a raw WebSocket
 * the server maps 2xxx codes to ones a close frame may carry.
 */
export const CLOSE_CODE_BY_KIND: Readonly<Record<StompErrorKind, number>> = {
  protocol: CloseCode.PROTOCOL_ERROR,
  limit: CloseCode.PROTOCOL_ERROR,
  authentication: CloseCode.POLICY_VIOLATION,
  authorization: CloseCode.POLICY_VIOLATION,
  handler: CloseCode.PROTOCOL_ERROR,
  heartbeat: CloseCode.HEARTBEAT_TIMEOUT,
  'connect-timeout': CloseCode.PROTOCOL_ERROR,
  'slow-consumer': CloseCode.BUFFER_OVERFLOW,
  // A relayed broker that is down, or a relay connection that dropped: the client may come back (elsewhere).
  broker: CloseCode.INTERNAL_ERROR,
};

/** The ERROR `message` when the broker underneath cannot serve (Spring's wording, which clients may match). */
export const BROKER_NOT_AVAILABLE = 'Broker not available.';

/**
 * A fatal session error: it becomes an ERROR frame (`message` = summary, body = detail) and then a close.
 * Internal to the session; applications throw {@link StompRejection} instead.
 */
export class StompError extends Error {
  override readonly name = 'StompError';
  readonly kind: StompErrorKind;
  readonly summary: string;
  /** Extra ERROR headers, e.g. `version` after a failed negotiation. */
  readonly headers: StompHeaders;

  constructor(kind: StompErrorKind, summary: string, detail: string, headers: StompHeaders = []) {
    super(detail);
    this.kind = kind;
    this.summary = summary;
    this.headers = headers;
  }
}

/**
 * Thrown by application code (authenticate, authorize, interceptors, handlers) to refuse a frame with a
 * reason the client may read: its message becomes the ERROR frame's body. Any other error is logged and the
 * client only gets a generic ERROR, so internal details never leak.
 */
export class StompRejection extends Error {
  override readonly name = 'StompRejection';
}
