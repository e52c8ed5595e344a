import type { ServerResponse } from 'node:http';
import { SockJSProtocolError, validateCallback } from '@sockwire/protocol';
import type { ResolvedOptions } from '../../options.js';
import { sendText } from '../http.js';

/**
 * The callback names sockjs-client generates: its global `_jp` object, then `a` and 6 random characters
 * (`[a-z0-5]` since 1.0, `[a-z0-9_]` in 0.3), 11 characters in all. The name is pasted into script that runs
 * on this origin: a longer dotted path (`opener.document.forms[0].submit`-like) would let any page call a
 * method of any page of this origin (same-origin method execution), so nothing else is accepted.
 */
const SOCKJS_CLIENT_CALLBACK = /^_jp\.a[a-z0-9_]{6}$/;

const RULE =
  'invalid "callback" parameter: only the names sockjs-client generates are accepted ' +
  '(_jp.a followed by 6 of [a-z0-9_], 11 characters)';

/** The `c` parameter of htmlfile and JSONP, or null after answering 500 (as sockjs-node does) with the rule. */
export function callbackParameter(
  options: ResolvedOptions,
  query: string,
  response: ServerResponse,
): string | null {
  let callback: string;
  try {
    // The protocol's own check first: a missing name gets its exact message, as the protocol suite expects.
    callback = validateCallback(new URLSearchParams(query).get('c'));
  } catch (error) {
    if (!(error instanceof SockJSProtocolError)) throw error;
    sendText(response, 500, error.message);
    return null;
  }
  if (!options.protocolSuite && !SOCKJS_CLIENT_CALLBACK.test(callback)) {
    sendText(response, 500, RULE);
    return null;
  }
  return callback;
}
