import { BrokerFailure, BrokerQuotaError } from '../../brokers/broker.js';
import { StompParseError } from '../codec/errors.js';
import { getHeader, type StompFrame, type StompHeader } from '../codec/frame.js';
import { BROKER_NOT_AVAILABLE, StompError } from '../errors.js';
import type { ResolvedStompOptions } from '../options.js';
import { describe } from './app-errors.js';

/**
 * What any error that ends a session becomes for the client: its kind picks the close code, its summary and
 * detail are the ERROR frame. Only errors meant for the client say what went wrong; the rest are logged here
 * and reach the client as a generic "Internal error", so internal details never leak.
 */
export function toStompError(
  error: unknown,
  sessionId: string,
  log: ResolvedStompOptions['log'],
): StompError {
  if (error instanceof StompError) return error;
  if (error instanceof StompParseError) {
    return new StompError(error.limit === undefined ? 'protocol' : 'limit', error.summary, error.message);
  }
  if (error instanceof BrokerQuotaError) {
    // The broker is full, not broken: the client is told which quota it hit, as with a frame size limit.
    return new StompError('limit', `Quota exceeded: ${error.quota}`, error.message);
  }
  if (error instanceof BrokerFailure) {
    // Not the client's fault and not for good: a retryable close, so that it reconnects (maybe elsewhere).
    log('info', `STOMP session ${sessionId}: broker failure: ${describe(error)}`);
    return new StompError('broker', BROKER_NOT_AVAILABLE, 'the message broker failed; reconnect and retry');
  }
  log('error', `STOMP session ${sessionId}: unexpected error: ${describe(error)}`);
  return new StompError('handler', 'Internal error', 'the server failed to process the frame');
}

/** The ERROR frame for `problem`; it echoes the receipt of the frame it is about, if that asked for one. */
export function errorFrame(problem: StompError, about: StompFrame | undefined): StompFrame {
  const headers: StompHeader[] = [['message', problem.summary]];
  const receipt = about === undefined ? undefined : getHeader(about.headers, 'receipt');
  if (receipt !== undefined) headers.push(['receipt-id', receipt]);
  headers.push(...problem.headers, ['content-type', 'text/plain;charset=UTF-8']);
  return { command: 'ERROR', headers, body: problem.message };
}

/** Nothing arrived within the incoming heart-beat interval (times the tolerance). */
export function heartbeatTimeout(): StompError {
  return new StompError(
    'heartbeat',
    'Heart-beat timeout',
    'nothing was received within the agreed heart-beat interval',
  );
}

/** The client sent frames faster than the session processes them, past `maxPendingFrames`. */
export function tooManyPendingFrames(maxPendingFrames: number): StompError {
  return new StompError(
    'limit',
    'Too many pending frames',
    `more than ${maxPendingFrames} frames are waiting`,
  );
}

/** The client reads too slowly (Outbound's slow-consumer rule): the session closes without an ERROR. */
export function slowConsumer(reason: string): StompError {
  return new StompError('slow-consumer', 'Slow consumer', reason);
}

/** No CONNECT was accepted within `connectTimeout`. */
export function connectTimeout(ms: number): StompError {
  return new StompError('connect-timeout', 'Connect timeout', `no CONNECT was accepted within ${ms} ms`);
}
