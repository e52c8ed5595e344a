import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionBus } from './cluster/session-bus.js';
import type { Timers } from './timers.js';
import { systemTimers } from './timers.js';

/**
 * Which page origins may open sessions (CORS requests and WebSocket handshakes carry an `Origin` header):
 * - `[]` (the default): same origin only: the `Origin` must match the request's `Host`;
 * - a list of origins, exact (`https://app.example.com`) or with a wildcard subdomain (`https://*.example.com`);
 *   `'null'` admits pages from `file://` and sandboxed frames;
 * - `'*'`: any origin (development, public read-only feeds, or when authentication does not rely on cookies);
 * - a function deciding per request.
 * Requests without an `Origin` header (non-browser clients) are always allowed: browsers always send one.
 */
export type AllowedOrigins =
  | '*'
  | readonly string[]
  | ((origin: string, request: IncomingMessage) => boolean);

/**
 * Subprotocols the WebSocket transports accept, in preference order, or a function choosing one of those the
 * client offered (return false to choose none).
 */
export type WebSocketProtocols =
  | readonly string[]
  | ((offered: ReadonlySet<string>, request: IncomingMessage) => string | false);

export interface ServerOptions {
  /** URL path the service lives under, without a trailing slash. Default `''` (set it at install time too). */
  prefix?: string;
  /** Milliseconds between heartbeat frames on an otherwise silent session. Default 25 000. */
  heartbeatDelay?: number;
  /**
   * Milliseconds an HTTP session lives without a receiving request (between polls) before it is closed.
   * Also how long a closed session keeps answering with its close frame. Default 5 000.
   */
  disconnectDelay?: number;
  /** Bytes one streaming response carries before it is ended and the client opens a new one. Default 131 072. */
  responseLimit?: number;
  /** Offer the WebSocket transports. Default true. */
  websocket?: boolean;
  /**
   * Set the `JSESSIONID` cookie on session requests, for load balancers that route by it; or a function that
   * sets whatever cookie it likes. Default false. `/info` reports it as `cookie_needed`.
   */
  jsessionid?: boolean | ((request: IncomingMessage, response: ServerResponse) => void);
  /** Script URL the iframe page loads (only sockjs-client's iframe transports use it). */
  sockjsUrl?: string;
  /** See {@link AllowedOrigins}. Default `[]`: same origin only. */
  allowedOrigins?: AllowedOrigins;
  /** Largest inbound payload (one WebSocket message, or one HTTP send body), in bytes. Default 1 MiB. */
  maxMessageSize?: number;
  /**
   * Outbound bytes queued per session above which `write()` returns false (wait for `drain`). Default 64 KiB.
   */
  highWaterMark?: number;
  /**
   * Outbound bytes queued per session above which the session is closed with 2012 "Buffer overflow"
   * (a client that does not read). Default 4 MiB.
   */
  maxBufferedBytes?: number;
  /** See {@link WebSocketProtocols}. Default: none. */
  webSocketProtocols?: WebSocketProtocols;
  /**
   * Join a cluster: nodes behind a plain round-robin balancer serve each other's HTTP sessions through this
   * bus (`createRedisSessionBus`, or `LocalSessionHub` in one process). Default: none (one node).
   */
  cluster?: SessionBus;
  /** Timer functions (inject fakes in tests). Default: the global timers, unref'd. */
  timers?: Timers;
  /** Called for operational events worth logging. Default: nothing is logged. */
  log?: (severity: 'debug' | 'info' | 'error', message: string) => void;
}

export interface ResolvedOptions {
  readonly prefix: string;
  readonly heartbeatDelay: number;
  readonly disconnectDelay: number;
  readonly responseLimit: number;
  readonly websocket: boolean;
  readonly jsessionid: boolean | ((request: IncomingMessage, response: ServerResponse) => void);
  readonly sockjsUrl: string;
  readonly allowedOrigins: AllowedOrigins;
  readonly maxMessageSize: number;
  readonly highWaterMark: number;
  readonly maxBufferedBytes: number;
  readonly webSocketProtocols: WebSocketProtocols;
  readonly cluster: SessionBus | null;
  readonly timers: Timers;
  readonly log: (severity: 'debug' | 'info' | 'error', message: string) => void;
}

export const DEFAULTS = {
  prefix: '',
  heartbeatDelay: 25_000,
  disconnectDelay: 5_000,
  responseLimit: 128 * 1024,
  websocket: true,
  jsessionid: false,
  sockjsUrl: 'https://cdn.jsdelivr.net/npm/sockjs-client@1/dist/sockjs.min.js',
  allowedOrigins: [] as readonly string[],
  maxMessageSize: 1024 * 1024,
  highWaterMark: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  webSocketProtocols: [] as readonly string[],
} as const;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `Sockwire: option ${name} must be a positive number of ${name.endsWith('Delay') ? 'milliseconds' : 'bytes'}, got ${String(value)}`,
    );
  }
  return value;
}

export function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '/' || prefix === '') return '';
  if (!prefix.startsWith('/')) {
    throw new TypeError(`Sockwire: prefix must start with "/", got ${JSON.stringify(prefix)}`);
  }
  return prefix.replace(/\/+$/, '');
}

export function resolveOptions(options: ServerOptions = {}): ResolvedOptions {
  const highWaterMark = positive('highWaterMark', options.highWaterMark, DEFAULTS.highWaterMark);
  const maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes, DEFAULTS.maxBufferedBytes);
  if (maxBufferedBytes < highWaterMark) {
    throw new TypeError('Sockwire: maxBufferedBytes must be at least highWaterMark');
  }
  return {
    prefix: normalizePrefix(options.prefix),
    heartbeatDelay: positive('heartbeatDelay', options.heartbeatDelay, DEFAULTS.heartbeatDelay),
    disconnectDelay: positive('disconnectDelay', options.disconnectDelay, DEFAULTS.disconnectDelay),
    responseLimit: positive('responseLimit', options.responseLimit, DEFAULTS.responseLimit),
    websocket: options.websocket ?? DEFAULTS.websocket,
    jsessionid: options.jsessionid ?? DEFAULTS.jsessionid,
    sockjsUrl: options.sockjsUrl ?? DEFAULTS.sockjsUrl,
    allowedOrigins: options.allowedOrigins ?? DEFAULTS.allowedOrigins,
    maxMessageSize: positive('maxMessageSize', options.maxMessageSize, DEFAULTS.maxMessageSize),
    highWaterMark,
    maxBufferedBytes,
    webSocketProtocols: options.webSocketProtocols ?? DEFAULTS.webSocketProtocols,
    cluster: options.cluster ?? null,
    timers: options.timers ?? systemTimers,
    log: options.log ?? (() => {}),
  };
}
