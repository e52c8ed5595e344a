import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveReceiving } from '../receiving.js';
import type { SockjsService } from '../service.js';
import { callbackParameter } from './callback.js';

/** `GET .../htmlfile?c=cb`: an HTML page that streams `<script>` chunks into the parent's callback. */
export function handleHtmlfile(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  query: string,
): void {
  const callback = callbackParameter(service.options, query, response);
  if (callback !== null)
    serveReceiving(service, request, response, sessionId, { transport: 'htmlfile', callback });
}
