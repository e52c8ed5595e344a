export { CloseCode, CloseReason, isRetryableClose } from '@sockwire/protocol';
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
export type { Timers } from './timers.js';
