import type { IncomingMessage, ServerResponse } from 'node:http';
import { xhrFrame } from '@sockwire/protocol';
import { sessionHeaders } from '../http.js';
import { HttpReceiver } from '../http-receiver.js';
import type { SockjsService } from '../service.js';

/** `POST .../xhr`: one frame per response, newline-terminated. */
export function handleXhrPolling(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
): void {
  const headers = sessionHeaders(service.options, request, response, 'application/javascript; charset=UTF-8');
  response.writeHead(200, headers);
  const session = service.openSession(sessionId, 'xhr-polling', request);
  session.attach(new HttpReceiver('xhr-polling', response, xhrFrame, 0));
}
