import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ResolvedOptions } from '../options.js';
import { corsHeaders, noCacheHeaders } from './http.js';

/*
 * The 408 of a send body that did not arrive within sendBodyTimeout.
 *
 * Unlike a body that is too large (oversize.ts), the rest of a slow body is not waited for: waiting is what
 * the client was already making the server do. The answer is written in full and the connection closes once
 * it is out (Connection: close). A client that has stopped sending reads it; one still dripping may see its
 * next write reset, which is the end it asked for.
 */

export function refuseSlowBody(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
  message: string,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = `Sockwire: ${message}. Send the body faster or raise the server's sendBodyTimeout option.\n`;
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  };
  noCacheHeaders(headers);
  // Readable by the page that sent it, so that it can tell "too slow" from a network failure.
  corsHeaders(options, request, headers);
  // Node then closes the socket once the answer is flushed, whatever of the body is still to come.
  response.shouldKeepAlive = false;
  response.writeHead(408, headers);
  response.end(body);
}
