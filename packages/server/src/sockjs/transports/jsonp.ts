import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonpFrame, type SockJSProtocolError, validateCallback } from '@sockwire/protocol';
import { sendText, sessionHeaders } from '../http.js';
import { HttpReceiver } from '../http-receiver.js';
import type { SockjsService } from '../service.js';

/** `GET .../jsonp?c=cb`: one frame per response, wrapped in the callback. */
export function handleJsonpPolling(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  query: URLSearchParams,
): void {
  let callback: string;
  try {
    callback = validateCallback(query.get('c'));
  } catch (error) {
    sendText(response, 500, (error as SockJSProtocolError).message);
    return;
  }
  const headers = sessionHeaders(service.options, request, response, 'application/javascript; charset=UTF-8');
  response.writeHead(200, headers);
  const session = service.openSession(sessionId, 'jsonp-polling', request);
  session.attach(new HttpReceiver('jsonp-polling', response, (frame) => jsonpFrame(callback, frame), 0));
}
