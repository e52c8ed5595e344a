import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveReceiving } from '../receiving.js';
import type { SockjsService } from '../service.js';
import { callbackParameter } from './callback.js';

/** `GET .../jsonp?c=cb`: one frame per response, wrapped in the callback. */
export function handleJsonpPolling(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  query: string,
): void {
  const callback = callbackParameter(service.options, query, response);
  if (callback !== null) {
    serveReceiving(service, request, response, sessionId, { transport: 'jsonp-polling', callback });
  }
}
