export { type StompClock, systemClock } from './clock.js';
export * from './codec/index.js';
export type { StompConnection } from './connection-port.js';
export { type DestinationPrefixes, DestinationRouter } from './destinations.js';
export { STOMP_ERROR_KINDS, type StompErrorKind, StompRejection } from './errors.js';
export type {
  StompBrokerEventName,
  StompBrokerEvents,
  StompBrokerListener,
  SubscriptionInfo,
} from './events.js';
export {
  type HandlerContext,
  type HandlerOptions,
  type HandlerResult,
  type MessageHandler,
  message,
  OutgoingMessage,
  type Payload,
} from './handlers.js';
export {
  chooseStompSubprotocol,
  negotiateHeartbeat,
  negotiateVersion,
  parseHeartbeat,
  STOMP_SUBPROTOCOLS,
} from './negotiate.js';
export { type ResolvedStompOptions, STOMP_DEFAULTS, type StompBrokerOptions } from './options.js';
export type { StompStats } from './stats.js';
export { createStompBroker, type HeadersInit, type StompBroker } from './stomp-broker.js';
export type {
  Authenticate,
  Authorize,
  AuthorizeAction,
  ConnectRequest,
  InboundInterceptor,
  InterceptorResult,
  OutboundInterceptor,
  SessionInfo,
  StompPrincipal,
} from './types.js';
