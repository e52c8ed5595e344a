import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ResolvedOptions } from '../options.js';
import { corsHeaders, noCacheHeaders } from './http.js';

/*
 * The 413 of a send body over maxMessageSize, delivered so that the client can read it.
 *
 * Ending the response at once is not enough: Node then closes the socket while the client is still sending
 * the rest of its body, and a socket closed with unread data is reset. The client sees EPIPE or ECONNRESET
 * on its upload, usually before it has parsed the answer. So the answer is written in full (its
 * Content-Length lets the client read it at once) but only ended once the rest of the body has been read and
 * discarded; then the connection closes cleanly. A client that keeps sending past a bound, or too slowly, is
 * cut off: it is not behaving like a client that merely sent one message too large.
 */

/** Discard at most this much more than the limit before cutting the client off. */
const DRAIN_BYTES = 8 * 1024 * 1024;
/** ...and wait at most this long for the rest of the body. */
const DRAIN_MS = 5000;

export function refuseOversizedBody(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
  message: string,
): void {
  const body = `Sockwire: ${message}. Send smaller messages or raise the server's maxMessageSize option.\n`;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  };
  noCacheHeaders(headers);
  // Readable by the page that sent it, so that it can tell "too large" from a network failure.
  corsHeaders(options, request, headers);
  response.shouldKeepAlive = false;
  response.writeHead(413, headers);
  response.write(body);
  if (request.complete) {
    response.end();
    return;
  }
  const budget = Math.max(DRAIN_BYTES, options.maxMessageSize);
  let drained = 0;
  const { timers } = options;
  const cleanup = () => {
    timers.clearTimeout(timer);
    request.off('data', onData);
    request.off('end', onEnd);
    request.off('close', cleanup);
  };
  const cutOff = () => {
    cleanup();
    request.destroy();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > budget) cutOff();
  };
  const onEnd = () => {
    cleanup();
    response.end();
  };
  const timer = timers.setTimeout(cutOff, DRAIN_MS);
  request.on('data', onData);
  request.once('end', onEnd);
  request.once('close', cleanup);
  request.resume();
}
