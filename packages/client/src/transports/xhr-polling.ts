import { fetchReceiver } from './fetch-receiver.js';
import { httpTransport } from './http.js';

/**
 * SockJS xhr-polling: each POST response carries one frame and ends. The transport of last resort, because
 * it survives every proxy that buffers responses.
 */
export const XhrPollingTransport = /* @__PURE__ */ httpTransport(
  'xhr-polling',
  () => true,
  /* @__PURE__ */ fetchReceiver('xhr'),
);
