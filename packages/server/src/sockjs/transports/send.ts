import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeClientPayload, decodeJsonpSendBody, SockJSProtocolError } from '@sockwire/protocol';
import type { ClusterRelay } from '../cluster-relay.js';
import { BodyTooLargeError, readBody, sendText, sessionHeaders } from '../http.js';
import type { SockjsService } from '../service.js';

const NO_SESSION = 'Sockwire: no such session (it may have timed out or closed).\n';

/**
 * `POST .../xhr_send` and `.../jsonp_send`: messages from the client to an existing session.
 *
 * Unknown or closed sessions get 404 (the client must not believe its messages were taken). A bad payload
 * gets 500 with the protocol's message and leaves the session open, as the protocol suite expects; an
 * oversized one gets 413 and the connection is dropped after the answer, since the rest of its body is unread.
 */
export async function handleSend(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  kind: 'xhr' | 'jsonp',
): Promise<void> {
  const session = service.findSession(sessionId);
  // In a cluster, a session this node does not hold may live on another node.
  const route =
    session === undefined && service.relay !== null ? await service.relay.route(sessionId, false) : null;
  const owner = route?.kind === 'remote' ? route.node : null;
  if (owner === null && (session === undefined || session.isClosed)) {
    sendText(response, 404, NO_SESSION);
    return;
  }
  let body: string;
  try {
    body = await readBody(request, service.options.maxMessageSize);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      response.shouldKeepAlive = false;
      sendText(
        response,
        413,
        `Sockwire: ${error.message}. Send smaller messages or raise the server's maxMessageSize option.\n`,
      );
      // Read and discard the rest for a moment, so that the client sees the 413 rather than a reset.
      request.resume();
      response.on('finish', () => {
        const timer = service.options.timers.setTimeout(() => request.destroy(), 2000);
        request.once('close', () => service.options.timers.clearTimeout(timer));
      });
    }
    return;
  }
  let messages: string[];
  try {
    const payload = kind === 'jsonp' ? decodeJsonpSendBody(body, request.headers['content-type']) : body;
    messages = decodeClientPayload(payload);
  } catch (error) {
    if (!(error instanceof SockJSProtocolError)) throw error;
    sendText(response, 500, error.message);
    return;
  }
  if (owner !== null) {
    const status = await (service.relay as ClusterRelay).relaySend(owner, sessionId, messages);
    if (status !== 204) {
      sendText(
        response,
        status === 404 ? 404 : 503,
        status === 404 ? NO_SESSION : "Sockwire: the session's server did not answer.\n",
      );
      return;
    }
  }
  const contentType = 'text/plain; charset=UTF-8';
  const headers = sessionHeaders(service.options, request, response, contentType);
  if (kind === 'jsonp') {
    // Some browsers mishandle 204 on form posts; the protocol answers `ok`.
    headers['Content-Length'] = 2;
    response.writeHead(200, headers);
    response.end('ok');
  } else {
    response.writeHead(204, headers);
    response.end();
  }
  session?.receive(messages);
}
