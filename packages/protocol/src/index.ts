export { CloseCode, CloseReason, isApplicationCloseCode, isRetryableClose } from './close-codes.js';
export { type ProtocolErrorCode, SockJSProtocolError } from './errors.js';
export {
  decodeClientPayload,
  decodeServerFrame,
  decodeWebSocketPayload,
  encodeClose,
  encodeMessage,
  encodeMessages,
  HEARTBEAT_FRAME,
  OPEN_FRAME,
  type PayloadLimits,
  type ServerFrame,
} from './frames.js';
export {
  decodeJsonpSendBody,
  EVENTSOURCE_PRELUDE,
  EventStreamDecoder,
  eventSourceFrame,
  htmlfileFrame,
  htmlfilePrelude,
  jsonpFrame,
  type StreamLimits,
  validateCallback,
  XHR_STREAMING_PRELUDE,
  XhrStreamDecoder,
  xhrFrame,
} from './framing.js';
export { quote, quoteClientMessage, quoteForScript } from './json-quote.js';
export {
  encodeKeyedOpen,
  isSessionKey,
  readSessionKey,
  SESSION_KEY_PARAM,
  SESSION_KEY_REQUEST,
  withSessionKey,
} from './session-key.js';
