import type { EnvOptions } from './env.js';
import type { TransportFactory, TransportName } from './transports/transport.js';

export interface SockwireSocketOptions extends EnvOptions {
  /**
   * Transports to try, in order: names (resolved against the transports the entry point bundles) or
   * transport objects (`WebSocketTransport`, ...). Default: every bundled transport, in the order
   * websocket, xhr-streaming, eventsource, xhr-polling.
   */
  transports?: readonly (TransportName | TransportFactory)[];
  /** Lower bound, in ms, of each transport's connect timeout (otherwise derived from the `/info` RTT). Default 0. */
  timeout?: number;
  /** Ms an attempt runs alone before the next transport starts beside it. Default 3 x RTT + 100, capped by the timeout. */
  fallbackDelay?: number;
  /** Ms to wait for `/info`. Default 8000. */
  infoTimeout?: number;
  /** Close with 2011 when nothing (not even a heartbeat) arrives for this many ms; 0 disables. Default 60 000. */
  heartbeatTimeout?: number;
  /** `send()` throws once this many bytes would be waiting to go out. Default 16 MiB. */
  maxBufferedAmount?: number;
  /**
   * Ask the server to bind each HTTP session to this client with a session key, so that no one else can send
   * into it or read from it even knowing its id (Sockwire servers; sockjs-node and Spring ignore the request).
   * Default true.
   */
  sessionKey?: boolean;
}

export const DEFAULT_INFO_TIMEOUT = 8000;
/** Two of sockjs-node's default 25-second heartbeat intervals, and some slack. */
export const DEFAULT_HEARTBEAT_TIMEOUT = 60_000;
export const DEFAULT_MAX_BUFFERED_AMOUNT = 16 * 1024 * 1024;
