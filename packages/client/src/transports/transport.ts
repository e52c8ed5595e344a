import type { Env } from '../env.js';

/*
 * The contract between the socket and one transport. A transport moves SockJS frames and nothing else: it
 * never decodes them (the socket does, in one place) and never decides what a close means.
 */

export type TransportName = 'websocket' | 'xhr-streaming' | 'eventsource' | 'xhr-polling';

/** What `/info` told us about the server. */
export interface ServerInfo {
  /** False when the server has WebSocket disabled. */
  readonly websocket: boolean;
  /** The server sets a JSESSIONID cookie for sticky load balancing: send credentials cross-origin. */
  readonly cookieNeeded: boolean;
}

/** Where a transport reports to. Never called synchronously from `TransportFactory.open`. */
export interface TransportListener {
  /** One SockJS frame (`o`, `h`, `a[...]`, `c[...]`), transport framing removed. */
  frame(frame: string): void;
  /** The transport ended without a close frame. It makes no further calls after this. */
  close(code: number, reason: string): void;
}

export interface Transport {
  /** Send one message, already JSON-quoted for the client-to-server direction. `bytes` is its UTF-8 size. */
  send(quoted: string, bytes: number): void;
  /** Bytes accepted by `send` and not yet handed to the network. */
  buffered(): number;
  /** Stop receiving; no listener calls follow. Messages already passed to `send` are still delivered. */
  close(): void;
}

export interface TransportContext {
  readonly env: Env;
  /** URL of an endpoint of this attempt's session: `url('xhr_send')` is `<base>/<server>/<session>/xhr_send`. */
  url(path: string): string;
  /** `include` when `/info` said `cookie_needed` (the session cookie must travel cross-origin). */
  readonly credentials: 'include' | 'same-origin';
}

/** One transport, passed in by value so a bundle carries only the transports it names. */
export interface TransportFactory {
  readonly transportName: TransportName;
  /**
   * The server may keep this transport alive some other way than `h` frames, so silence proves nothing until
   * a first heartbeat frame has arrived. (sockjs-node sends WebSocket pings instead of `h` frames, and script
   * never sees pings.)
   */
  readonly heartbeatsOptional?: boolean;
  /** Whether the runtime has what this transport needs and the server allows it. */
  enabled(env: Env, info: ServerInfo): boolean;
  /** Start a new session over this transport. */
  open(context: TransportContext, listener: TransportListener): Transport;
}
