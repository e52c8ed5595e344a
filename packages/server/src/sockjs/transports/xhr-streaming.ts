import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveReceiving } from '../receiving.js';
import type { SockjsService } from '../service.js';

/** `POST .../xhr_streaming`: a 2 KiB prelude, then one frame per line until the response limit. */
export function handleXhrStreaming(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
): void {
  serveReceiving(service, request, response, sessionId, { transport: 'xhr-streaming' });
}
