/*
 * `@sockwire/client/core`: the socket without default transports. Pass the transports you want as objects and
 * a bundler keeps only those: `new SockwireSocket(url, { transports: [XhrStreamingTransport] })`.
 */

export { CloseCode, isRetryableClose } from '@sockwire/protocol';
export type {
  Clock,
  EnvOptions,
  EventSourceConstructor,
  EventSourceLike,
  FetchInit,
  FetchLike,
  ResponseLike,
  WebSocketConstructor,
  WebSocketLike,
} from './env.js';
export { SockwireCloseEvent } from './events.js';
export type { SockwireSocketOptions } from './options.js';
export { SockwireSocket } from './socket.js';
export { EventSourceTransport } from './transports/eventsource.js';
export type {
  ServerInfo,
  Transport,
  TransportContext,
  TransportFactory,
  TransportListener,
  TransportName,
} from './transports/transport.js';
export { WebSocketTransport } from './transports/websocket.js';
export { XhrPollingTransport } from './transports/xhr-polling.js';
export { XhrStreamingTransport } from './transports/xhr-streaming.js';
