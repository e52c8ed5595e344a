import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  htmlfileFrame,
  htmlfilePrelude,
  type SockJSProtocolError,
  validateCallback,
} from '@sockwire/protocol';
import { sendText, sessionHeaders } from '../http.js';
import { HttpReceiver } from '../http-receiver.js';
import type { SockjsService } from '../service.js';

/** `GET .../htmlfile?c=cb`: an HTML page that streams `<script>` chunks into the parent's callback. */
export function handleHtmlfile(
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
  const headers = sessionHeaders(service.options, request, response, 'text/html; charset=UTF-8');
  response.writeHead(200, headers);
  response.write(htmlfilePrelude(callback));
  const session = service.openSession(sessionId, 'htmlfile', request);
  session.attach(new HttpReceiver('htmlfile', response, htmlfileFrame, service.options.responseLimit));
}
