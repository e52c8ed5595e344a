import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveReceiving } from '../receiving.js';
import type { SockjsService } from '../service.js';

/** `POST .../xhr`: one frame per response, newline-terminated. */
export function handleXhrPolling(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
): void {
  serveReceiving(service, request, response, sessionId, { transport: 'xhr-polling' });
}
