import type { ServerResponse } from 'node:http';
import { SockJSProtocolError, validateCallback } from '@sockwire/protocol';
import { sendText } from '../http.js';

/** The `c` parameter of htmlfile and JSONP, or null after answering 500 with the protocol's message. */
export function callbackParameter(query: string, response: ServerResponse): string | null {
  try {
    return validateCallback(new URLSearchParams(query).get('c'));
  } catch (error) {
    if (!(error instanceof SockJSProtocolError)) throw error;
    sendText(response, 500, error.message);
    return null;
  }
}
