import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeClientPayload, decodeJsonpSendBody, SockJSProtocolError } from '@sockwire/protocol';
import {
  BodyTimeoutError,
  BodyTooLargeError,
  readBody,
  sendBodyLimits,
  sendRefusal,
  sendText,
  sessionHeaders,
} from '../http.js';
import { refuseOversizedBody } from '../oversize.js';
import type { SockjsService } from '../service.js';
import {
  checkBinding,
  FORWARDED_REFUSAL,
  NO_SESSION_MESSAGE,
  presentedByRequest,
} from '../session-binding.js';
import { refuseSlowBody } from '../slow-body.js';

type SendKind = 'xhr' | 'jsonp';

/**
 * `POST .../xhr_send` and `.../jsonp_send`: messages from the client to an existing session.
 *
 * Unknown or closed sessions get 404 (the client must not believe its messages were taken). A bad payload
 * gets 500 with the protocol's message and leaves the session open, as the protocol suite expects; an
 * oversized one gets 413, and the connection closes once the rest of its body has been discarded (oversize.ts);
 * one that does not arrive within sendBodyTimeout gets 408 and its connection closes (slow-body.ts).
 * A session held by this node is served without a promise in the way (this is the path of every message a
 * client sends over HTTP); in a cluster, one held elsewhere is looked up and forwarded.
 */
export function handleSend(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  kind: SendKind,
): void | Promise<void> {
  const session = service.findSession(sessionId);
  if (session === undefined && service.forwarder !== null) {
    return forwardSend(service, request, response, sessionId, kind);
  }
  if (session === undefined || session.isClosed) {
    sendText(response, 404, NO_SESSION_MESSAGE);
    return;
  }
  // Before the body is read: a request that may not use the session gets nothing from it, not even a wait.
  const refusal = checkBinding(session.binding, presentedByRequest(service.options, request));
  if (refusal !== null) {
    sendRefusal(service.options, request, response, refusal);
    return;
  }
  readBody(request, sendBodyLimits(service.options), (error, body) => {
    if (error !== null) {
      refuseBody(service, request, response, error);
      return;
    }
    try {
      const messages = decodeSend(response, body, request, kind);
      if (messages === null) return;
      acknowledge(service, request, response, kind);
      session.receive(messages);
    } catch (thrown) {
      // An application 'data' listener threw: answered like any handler failure (see routeRequest).
      service.options.log(
        'error',
        `sockjs ${kind}_send: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      );
      sendText(response, 500, 'Internal server error\n');
    }
  });
}

/** In a cluster: the session is on another node (or nowhere); its messages go there, and its answer back. */
async function forwardSend(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  kind: SendKind,
): Promise<void> {
  const forwarder = service.forwarder;
  if (forwarder === null) return;
  const route = await forwarder.route(sessionId, false);
  // Not on this node (the caller looked), and not on another: it ended, or was lost with its node.
  if (route.kind !== 'remote') {
    sendText(response, 404, NO_SESSION_MESSAGE);
    return;
  }
  const { error, body } = await new Promise<{ error: Error | null; body: string }>((resolve) =>
    readBody(request, sendBodyLimits(service.options), (error, body) => resolve({ error, body })),
  );
  if (error !== null) {
    refuseBody(service, request, response, error);
    return;
  }
  const messages = decodeSend(response, body, request, kind);
  if (messages === null) return;
  const presented = presentedByRequest(service.options, request);
  const status = await forwarder.forwardSend(route.node, sessionId, messages, presented);
  if (status === 403) {
    sendRefusal(service.options, request, response, FORWARDED_REFUSAL);
    return;
  }
  if (status !== 204) {
    sendText(
      response,
      status === 404 ? 404 : 503,
      status === 404 ? NO_SESSION_MESSAGE : "Sockwire: the session's server did not answer.\n",
    );
    return;
  }
  acknowledge(service, request, response, kind);
}

/** The messages of a send body, or null after answering 500 with the protocol's message. */
function decodeSend(
  response: ServerResponse,
  body: string,
  request: IncomingMessage,
  kind: SendKind,
): string[] | null {
  try {
    const payload = kind === 'jsonp' ? decodeJsonpSendBody(body, request.headers['content-type']) : body;
    return decodeClientPayload(payload);
  } catch (error) {
    if (!(error instanceof SockJSProtocolError)) throw error;
    sendText(response, 500, error.message);
    return null;
  }
}

/**
 * A body that could not be read: 413 when too large, 408 when too slow; nothing to answer when the client
 * left.
 */
function refuseBody(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  error: Error,
): void {
  if (error instanceof BodyTooLargeError)
    refuseOversizedBody(service.options, request, response, error.message);
  else if (error instanceof BodyTimeoutError)
    refuseSlowBody(service.options, request, response, error.message);
}

/** The messages were taken: 204 (200 `ok` for JSONP, which some browsers need on form posts). */
function acknowledge(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  kind: SendKind,
): void {
  const headers = sessionHeaders(service.options, request, response, 'text/plain; charset=UTF-8');
  if (kind === 'jsonp') {
    headers['Content-Length'] = 2;
    response.writeHead(200, headers);
    response.end('ok');
  } else {
    response.writeHead(204, headers);
    response.end();
  }
}
