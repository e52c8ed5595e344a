import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveReceiving } from '../receiving.js';
import type { SockjsService } from '../service.js';

/** `GET .../eventsource`: a text/event-stream with one `data:` event per frame until the response limit. */
export function handleEventSource(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
): void {
  serveReceiving(service, request, response, sessionId, { transport: 'eventsource' });
}
