import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ForwardedRequest, SessionBus } from './cluster/session-bus.js';
import type { Timers } from './timers.js';
import { systemTimers } from './timers.js';

/**
 * Internal, not exported from the package: the public sockjs-protocol suite predates two rules it tests
 * against (any made-up origin is echoed with credentials under `'*'`; JSONP and htmlfile callbacks of any
 * `[a-zA-Z0-9_.-]` name). Only `sockwire conformance` and the tests that port the suite set it.
 */
export const PROTOCOL_SUITE: unique symbol = Symbol('sockwire.protocolSuite');

/**
 * Which page origins may open sessions (CORS requests and WebSocket handshakes carry an `Origin` header):
 * - `[]` (the default): same origin only: the `Origin` must match the request's `Host`;
 * - a list of origins, exact (`https://app.example.com`) or with a wildcard subdomain (`https://*.example.com`);
 *   `'null'` admits pages from `file://` and sandboxed frames;
 * - `'*'`: any origin, but without credentials: CORS answers `Access-Control-Allow-Origin: *`, so browsers
 *   neither send cookies cross-origin nor let a page read a response made with them (public feeds, or
 *   authentication that does not rely on cookies). sockjs-client always asks for credentials cross-origin,
 *   so its pages on other origins must be listed instead;
 * - a function deciding per request.
 * A listed (or function-approved, or same) origin is echoed with `Access-Control-Allow-Credentials: true`.
 * Requests without an `Origin` header (non-browser clients) are always allowed: browsers always send one.
 */
export type AllowedOrigins =
  | '*'
  | readonly string[]
  | ((origin: string, request: IncomingMessage) => boolean);

/**
 * Which `Host` header names the server answers to. A page whose own name an attacker points at this machine
 * (DNS rebinding) is same-origin with whatever listens here, so the origin check cannot stop it; the name it
 * used, in `Host`, can.
 * - `'auto'` (the default): when the HTTP server listens on loopback only (`127.0.0.1`, `::1`: the default of
 *   `sockwire serve`), only loopback names: `localhost`, `127.x.x.x` and `[::1]`, with any port; when it listens
 *   elsewhere, any name (a reverse proxy on the same machine that forwards the public `Host` to a loopback
 *   listener must then list its names);
 * - a list of names (`'app.example.com'`, `'*.example.com'` for subdomains), allowed besides the loopback
 *   ones whatever the listening address;
 * - `'*'`: any name.
 * A refused request gets 403 with a body naming this option.
 */
export type AllowedHosts = 'auto' | '*' | readonly string[];

/**
 * What session hooks see of an HTTP request: its headers, URL and peer. (In a cluster the request may have
 * reached another node, which passed these along.)
 */
export type RequestInfo = ForwardedRequest;

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
  /**
   * Serve `/iframe.html`, the page through which sockjs-client's iframe transports (for browsers without CORS)
   * run on this origin. Default false: the page runs a script from `sockjsUrl` with this origin's rights, and
   * no current browser needs it.
   */
  iframe?: boolean;
  /**
   * Script URL the iframe page loads. Default: sockjs-client 1.6.1 on jsDelivr, pinned, with its
   * `integrity` hash. A URL given here is used as is (best on this origin, matching the client's version).
   */
  sockjsUrl?: string;
  /** See {@link AllowedOrigins}. Default `[]`: same origin only. */
  allowedOrigins?: AllowedOrigins;
  /** See {@link AllowedHosts}. Default `'auto'`: loopback names only on a loopback-only server. */
  allowedHosts?: AllowedHosts;
  /** Largest inbound payload (one WebSocket message, or one HTTP send body), in bytes. Default 1 MiB. */
  maxMessageSize?: number;
  /**
   * Milliseconds an HTTP send (`xhr_send`, `jsonp_send`) has to deliver its whole body, once its headers are
   * in; a slower one gets 408 naming this option and its connection is closed. Default 10 000: a body of
   * the default maxMessageSize still arrives at under 1 Mbit/s, while a client dripping its body no longer
   * holds a request (and its buffer) for Node's 300 s `requestTimeout`. Raise it with maxMessageSize.
   */
  sendBodyTimeout?: number;
  /**
   * Outbound bytes queued per connection (any transport) above which `write()` returns false (wait for
   * `drain`). Default 64 KiB.
   */
  highWaterMark?: number;
  /**
   * Outbound bytes queued per connection (any transport) above which it is closed with 2012 "Buffer overflow"
   * (a client that does not read). Default 4 MiB. `listenTcp` applies the same limit, with the same default, to
   * STOMP over TCP.
   */
  maxBufferedBytes?: number;
  /** See {@link WebSocketProtocols}. Default: none. */
  webSocketProtocols?: WebSocketProtocols;
  /**
   * Session keys bind an HTTP session to the client that opened it (see SECURITY.md). Sockwire's client asks
   * for one on every session; with `'offered'` (the default) sessions of clients that do not ask (sockjs-client,
   * Spring's client) are still served, unbound; `'required'` refuses them with 403.
   */
  sessionKeys?: 'offered' | 'required';
  /**
   * Bind each HTTP session to the credentials it was opened with: called on the request that opens a session
   * and on every later request of it; a request whose owner differs (or is missing when the session has one)
   * gets 403. Return e.g. the value of your login cookie. Default: none. It protects the sessions of every
   * client, sockjs-client's too.
   */
  sessionOwner?: (request: RequestInfo) => string | null | undefined;
  /**
   * Sessions this server holds at once (open connections of every transport plus HTTP session ids still
   * remembered); a session past it is refused with 503 naming this option. Default 100 000.
   */
  maxSessions?: number;
  /**
   * Sessions one client address may hold at once on this server; past it, 429 naming this option. Default
   * 1 000. Behind a proxy every client has the proxy's address: set `clientAddress` to read the real one.
   */
  maxSessionsPerAddress?: number;
  /**
   * The client address that `maxSessionsPerAddress` counts. Default: the TCP peer's address. Behind a trusted
   * proxy, read what it adds, e.g. `(r) => String(r.headers['x-forwarded-for'] ?? r.remoteAddress).split(',')[0]`.
   */
  clientAddress?: (request: RequestInfo) => string;
  /**
   * Join a cluster: nodes behind a plain round-robin balancer serve each other's HTTP sessions through this
   * bus (`createRedisSessionBus`, or `LocalSessionHub` in one process). Default: none (one node).
   */
  cluster?: SessionBus;
  /** Timer functions (inject fakes in tests). Default: the global timers, unref'd. */
  timers?: Timers;
  /** Called for operational events worth logging. Default: nothing is logged. */
  log?: (severity: 'debug' | 'info' | 'error', message: string) => void;
  /** Internal, see {@link PROTOCOL_SUITE}. */
  [PROTOCOL_SUITE]?: boolean;
}

export interface ResolvedOptions {
  readonly prefix: string;
  readonly heartbeatDelay: number;
  readonly disconnectDelay: number;
  readonly responseLimit: number;
  readonly websocket: boolean;
  readonly jsessionid: boolean | ((request: IncomingMessage, response: ServerResponse) => void);
  readonly iframe: boolean;
  readonly sockjsUrl: string;
  /** The `integrity` of the iframe page's script: known only for the default URL. */
  readonly sockjsIntegrity: string | null;
  readonly allowedOrigins: AllowedOrigins;
  readonly allowedHosts: AllowedHosts;
  readonly maxMessageSize: number;
  readonly sendBodyTimeout: number;
  readonly highWaterMark: number;
  readonly maxBufferedBytes: number;
  readonly webSocketProtocols: WebSocketProtocols;
  readonly sessionKeys: 'offered' | 'required';
  readonly sessionOwner: ((request: RequestInfo) => string | null | undefined) | null;
  readonly maxSessions: number;
  readonly maxSessionsPerAddress: number;
  readonly clientAddress: (request: RequestInfo) => string;
  readonly cluster: SessionBus | null;
  readonly timers: Timers;
  readonly log: (severity: 'debug' | 'info' | 'error', message: string) => void;
  readonly protocolSuite: boolean;
}

/**
 * Subresource integrity of DEFAULTS.sockjsUrl: the sha384 of `dist/sockjs.min.js` in the sockjs-client 1.6.1
 * npm package, which jsDelivr serves byte for byte. A CDN that changed the file could otherwise run any script
 * on this origin through the iframe page.
 */
const DEFAULT_SOCKJS_INTEGRITY = 'sha384-svdnwiXBL+Js+yUneJSRFy24NgGiOfDM/vkQl/vCeVrcbYD6yW8EwPr1FnxTEZsR';

export const DEFAULTS = {
  prefix: '',
  heartbeatDelay: 25_000,
  disconnectDelay: 5_000,
  responseLimit: 128 * 1024,
  websocket: true,
  jsessionid: false,
  iframe: false,
  sockjsUrl: 'https://cdn.jsdelivr.net/npm/sockjs-client@1.6.1/dist/sockjs.min.js',
  allowedOrigins: [] as readonly string[],
  allowedHosts: 'auto',
  maxMessageSize: 1024 * 1024,
  sendBodyTimeout: 10_000,
  highWaterMark: 64 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  webSocketProtocols: [] as readonly string[],
  sessionKeys: 'offered',
  maxSessions: 100_000,
  maxSessionsPerAddress: 1_000,
} as const;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `Sockwire: option ${name} must be a positive number of ${/(Delay|Timeout)$/.test(name) ? 'milliseconds' : 'bytes'}, got ${String(value)}`,
    );
  }
  return value;
}

function count(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`Sockwire: option ${name} must be a positive whole number, got ${String(value)}`);
  }
  return value;
}

function checkedSessionKeys(value: string | undefined): 'offered' | 'required' {
  if (value === undefined) return DEFAULTS.sessionKeys;
  if (value !== 'offered' && value !== 'required') {
    throw new TypeError(
      `Sockwire: option sessionKeys must be 'offered' or 'required', got ${JSON.stringify(value)}`,
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
    iframe: options.iframe ?? DEFAULTS.iframe,
    sockjsUrl: options.sockjsUrl ?? DEFAULTS.sockjsUrl,
    sockjsIntegrity: options.sockjsUrl === undefined ? DEFAULT_SOCKJS_INTEGRITY : null,
    allowedOrigins: options.allowedOrigins ?? DEFAULTS.allowedOrigins,
    allowedHosts: checkedHosts(options.allowedHosts),
    maxMessageSize: positive('maxMessageSize', options.maxMessageSize, DEFAULTS.maxMessageSize),
    sendBodyTimeout: positive('sendBodyTimeout', options.sendBodyTimeout, DEFAULTS.sendBodyTimeout),
    highWaterMark,
    maxBufferedBytes,
    webSocketProtocols: options.webSocketProtocols ?? DEFAULTS.webSocketProtocols,
    sessionKeys: checkedSessionKeys(options.sessionKeys),
    sessionOwner: options.sessionOwner ?? null,
    maxSessions: count('maxSessions', options.maxSessions, DEFAULTS.maxSessions),
    maxSessionsPerAddress: count(
      'maxSessionsPerAddress',
      options.maxSessionsPerAddress,
      DEFAULTS.maxSessionsPerAddress,
    ),
    clientAddress: options.clientAddress ?? ((request) => request.remoteAddress),
    cluster: options.cluster ?? null,
    timers: options.timers ?? systemTimers,
    log: options.log ?? (() => {}),
    protocolSuite: options[PROTOCOL_SUITE] === true,
  };
}

function checkedHosts(hosts: AllowedHosts | undefined): AllowedHosts {
  if (hosts === undefined) return DEFAULTS.allowedHosts;
  if (hosts === 'auto' || hosts === '*') return hosts;
  if (!Array.isArray(hosts)) {
    throw new TypeError(`Sockwire: option allowedHosts must be 'auto', '*' or a list of host names`);
  }
  for (const host of hosts) {
    // Names only: the port does not matter to DNS rebinding, and a scheme or path here is a mistake.
    if (typeof host !== 'string' || !/^(?:\*\.)?[a-z0-9.[\]:_-]+$/i.test(host) || /:\d+$/.test(host)) {
      throw new TypeError(
        `Sockwire: option allowedHosts takes host names without scheme or port (e.g. 'app.example.com', '*.example.com'), got ${JSON.stringify(host)}`,
      );
    }
  }
  return hosts.map((host) => host.toLowerCase());
}
