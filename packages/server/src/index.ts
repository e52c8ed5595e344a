export { CloseCode, CloseReason, isRetryableClose } from '@sockwire/protocol';
export {
  BrokerFailure,
  type BrokerMessage,
  type BrokerStats,
  type ConsumeOptions,
  type Consumer,
  type ConsumerHandle,
  createMemoryBroker,
  type Delivery,
  MemoryBroker,
  type MemoryBrokerOptions,
  type MessageBroker,
  type MessageHeaders,
} from './brokers/index.js';
export {
  createRedisBroker,
  REDIS_BROKER_DEFAULTS,
  type RedisBroker,
  RedisBrokerError,
  type RedisBrokerErrorReason,
  type RedisBrokerLog,
  type RedisBrokerOptions,
  type RedisBrokerStats,
} from './brokers/redis/index.js';
export { LocalSessionHub } from './cluster/local-bus.js';
export { createRedisSessionBus, RedisSessionBus, type RedisSessionBusOptions } from './cluster/redis-bus.js';
export type { NodeMessage, RelayedRequest, SessionBus, SessionLocation } from './cluster/session-bus.js';
export type {
  CloseInfo,
  Connection,
  ConnectionEvents,
  ConnectionState,
  TransportName,
} from './connection.js';
export { ReadyState } from './connection.js';
export type { AllowedOrigins, ServerOptions, WebSocketProtocols } from './options.js';
export { DEFAULTS } from './options.js';
export {
  createServer,
  type InstallOptions,
  type SockjsStats,
  SockwireServer,
  type SockwireServerEvents,
} from './server.js';
export {
  type Authenticate,
  type Authorize,
  type AuthorizeAction,
  type ConnectRequest,
  chooseStompSubprotocol,
  createStompBroker,
  encodeFrame,
  type HandlerContext,
  type HandlerOptions,
  type HandlerResult,
  type InboundInterceptor,
  type InterceptorResult,
  type MessageHandler,
  message,
  type OutboundInterceptor,
  OutgoingMessage,
  type Payload,
  type SessionInfo,
  STOMP_DEFAULTS,
  STOMP_SUBPROTOCOLS,
  type StompBroker,
  type StompBrokerEventName,
  type StompBrokerEvents,
  type StompBrokerListener,
  type StompBrokerOptions,
  type StompClock,
  type StompConnection,
  type StompFrame,
  type StompHeaders,
  type StompLimits,
  StompParseError,
  StompParser,
  type StompPrincipal,
  StompRejection,
  type StompStats,
  type StompVersion,
  type SubscriptionInfo,
} from './stomp/index.js';
export {
  type AvailabilityListener,
  createStompRelay,
  parseRelayUrl,
  RELAY_BROKER_PREFIXES,
  RELAY_DEFAULTS,
  type RelayLog,
  type RelayUrl,
  type StompRelay,
  type StompRelayOptions,
} from './stomp/relay/index.js';
export { type ListenTcpOptions, listenTcp, type StompTcpServer, TcpConnection } from './tcp/index.js';
export type { Timers } from './timers.js';
