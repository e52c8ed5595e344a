/*
 * What the STOMP client does after a server's ERROR frame (STOMP servers close the connection after one):
 * reconnect, reconnect more slowly, or stop. The rule is one function, `classifyStompError`, with its cases
 * listed below; an application may replace it (`classifyError`).
 */
import { isRetryableClose } from '@sockwire/protocol';
import type { IFrame, StompHeaders } from '@stomp/stompjs';

/**
 * - `permanent`: the same request would be refused again (bad credentials, no handler for a destination, access
 *   denied, a malformed frame): the client stops reconnecting and says why (`onPermanentError`).
 * - `transient`: the server or its broker is unavailable for now (a restart, a lost broker connection, a missed
 *   heart-beat): the client reconnects with its usual backoff.
 * - `unsure`: anything else (an internal error, a quota or limit): the client reconnects, but waits longer, and
 *   longer after each such error.
 */
export type StompErrorClass = 'permanent' | 'transient' | 'unsure';

/*
 * Matched against the ERROR's `message` header (its summary), never its body: a body quotes the application's
 * words ("no application handler for /app/heartbeat") and would match by accident. The texts are those of
 * @sockwire/server (stomp/errors.ts and the StompError summaries of stomp/session), of RabbitMQ's STOMP plugin
 * (rabbit_stomp_processor: `Bad CONNECT`, `Access refused`, AMQP error names such as `access_refused`,
 * `not_found`, `precondition_failed`, `connection_forced`), and the usual words of other brokers.
 */
const TRANSIENT =
  /not available|connection to broker closed|timeout|timed out|expired|shutting down|going away|unavailable|try again|retry|slow consumer|connection_forced/i;
const UNSURE = /limit|quota|too (many|large|long|big)|exceeded|internal|processing error|locked|unusable/i;
const PERMANENT =
  /denied|refused|forbidden|unauthori[sz]ed|not authori[sz]ed|authentication|credentials|password|no handler|unknown(?! error)|invalid|missing|malformed|mismatch|duplicat|not[ _]found|no such|illegal|bad |rejected|precondition|already|not allowed|not connected|not terminated/i;

/**
 * The default classification of an ERROR frame, from its `message` header and, when the text says nothing
 * known, the close code that followed (undefined while the connection has not closed yet):
 *
 * | `message` (case-insensitive)                                                                  | class       |
 * | --------------------------------------------------------------------------------------------- | ----------- |
 * | `not available`, `connection to broker closed`, `timeout`, `expired`, `shutting down`, ...    | `transient` |
 * | `limit`, `quota`, `too many`, `too large`, `exceeded`, `internal`, `processing error`, ...    | `unsure`    |
 * | RabbitMQ's `Bad CONNECT` whose body names a (connection) limit                                | `unsure`    |
 * | `denied`, `refused`, `authentication`, `no handler`, `unknown`, `invalid`, `missing`, ...      | `permanent` |
 * | none of these, closed with 1008 (policy), 1009 or 3000-4999 (Sockwire: authentication, access) | `permanent` |
 * | none of these, closed with 1001, 1011-1013, 2011 (heart-beat) or 2012 (slow consumer)          | `transient` |
 * | none of these otherwise (1002, 1006, 1000, not closed yet)                                     | `unsure`    |
 */
export function classifyStompError(frame: IFrame, closeCode?: number): StompErrorClass {
  const message = frame.headers.message ?? '';
  if (TRANSIENT.test(message)) return 'transient';
  if (UNSURE.test(message) || (/^bad connect$/i.test(message) && /limit/i.test(frame.body))) {
    return 'unsure';
  }
  if (PERMANENT.test(message)) return 'permanent';
  if (closeCode === undefined || closeCode === 1000) return 'unsure';
  if (!isRetryableClose(closeCode)) return 'permanent';
  return [1001, 1011, 1012, 1013, 2011, 2012].includes(closeCode) ? 'transient' : 'unsure';
}

/**
 * The client stopped for good after a permanent ERROR: given to `onPermanentError`, kept as `client.failure`, and
 * the rejection of every `send()` still unconfirmed. `activate()` starts again (after the cause is fixed).
 */
export class StompPermanentError extends Error {
  /** The ERROR frame's headers (`message`, `receipt-id`, ...) and body (the server's explanation). */
  readonly headers: StompHeaders;
  readonly body: string;
  /** The code the connection closed with after the ERROR. */
  readonly closeCode: number;

  constructor(frame: IFrame, closeCode: number) {
    const summary = frame.headers.message ?? 'ERROR';
    const detail = frame.body.trim();
    super(
      `Sockwire STOMP: the server refused this client for good: ${summary}` +
        (detail && detail !== summary ? ` (${detail})` : '') +
        '. Not reconnecting: fix the cause, then call activate() again.',
    );
    this.name = 'StompPermanentError';
    this.headers = frame.headers;
    this.body = frame.body;
    this.closeCode = closeCode;
  }
}
