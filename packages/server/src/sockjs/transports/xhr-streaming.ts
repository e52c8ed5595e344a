import type { IncomingMessage, ServerResponse } from 'node:http';
import { XHR_STREAMING_PRELUDE, xhrFrame } from '@sockwire/protocol';
import { sessionHeaders } from '../http.js';
import { HttpReceiver } from '../http-receiver.js';
import type { SockjsService } from '../service.js';

/** `POST .../xhr_streaming`: a 2 KiB prelude, then one frame per line until the response limit. */
export function handleXhrStreaming(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
): void {
  const headers = sessionHeaders(service.options, request, response, 'application/javascript; charset=UTF-8');
  response.writeHead(200, headers);
  response.write(XHR_STREAMING_PRELUDE);
  const session = service.openSession(sessionId, 'xhr-streaming', request);
  session.attach(new HttpReceiver('xhr-streaming', response, xhrFrame, service.options.responseLimit));
}
