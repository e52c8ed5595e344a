import { fetchReceiver } from './fetch-receiver.js';
import { httpTransport } from './http.js';

/**
 * SockJS xhr-streaming: one long POST response carrying a frame per line until the server's response limit,
 * then the next. Built on fetch's streaming body rather than XMLHttpRequest (see the README for why); the
 * name is the protocol's.
 */
export const XhrStreamingTransport = /* @__PURE__ */ httpTransport(
  'xhr-streaming',
  () => true,
  /* @__PURE__ */ fetchReceiver('xhr_streaming'),
);
