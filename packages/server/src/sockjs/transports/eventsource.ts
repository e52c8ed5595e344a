import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENTSOURCE_PRELUDE, eventSourceFrame } from '@sockwire/protocol';
import { sessionHeaders } from '../http.js';
import { HttpReceiver } from '../http-receiver.js';
import type { SockjsService } from '../service.js';

/** `GET .../eventsource`: a text/event-stream with one `data:` event per frame until the response limit. */
export function handleEventSource(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
): void {
  // No charset parameter: the protocol suite compares the bare type, and event streams are always UTF-8.
  const headers = sessionHeaders(service.options, request, response, 'text/event-stream');
  response.writeHead(200, headers);
  response.write(EVENTSOURCE_PRELUDE);
  const session = service.openSession(sessionId, 'eventsource', request);
  session.attach(new HttpReceiver('eventsource', response, eventSourceFrame, service.options.responseLimit));
}
