import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ForwardedRequest } from '../cluster/session-bus.js';
import type { ResolvedOptions } from '../options.js';
import type { Timers } from '../timers.js';

/* Response headers and request-body reading shared by the SockJS endpoints. */

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * On every response of the service (set once per request, see SockwireServer): without it a browser may
 * sniff a JSONP or text body as HTML or script and run it on this origin.
 */
export const NOSNIFF = ['X-Content-Type-Options', 'nosniff'] as const;

/** Responses to GET-able private data must never be cached (the protocol suite checks this exact value). */
export function noCacheHeaders(headers: OutgoingHttpHeaders): void {
  headers['Cache-Control'] = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
}

export function longCacheHeaders(headers: OutgoingHttpHeaders): void {
  headers['Cache-Control'] = `public, max-age=${ONE_YEAR_SECONDS}`;
  headers['Expires'] = new Date(Date.now() + ONE_YEAR_SECONDS * 1000).toUTCString();
}

/**
 * CORS for the XHR transports. Only reached once the origin passed the allow-list. An origin the server vetted
 * (listed, approved by the function, or its own) is echoed with credentials allowed, so that the JSESSIONID
 * cookie can flow and sockjs-client's XHRs (always `withCredentials` cross-origin) are readable. Under `'*'`
 * the answer is `*`, which browsers never combine with credentials: any page may talk to the server, but none
 * can read a response made with the visitor's cookies. (`*` rather than the echoed origin without
 * credentials: it says the same, needs no `Vary`, and a credentialed request fails with a console message that
 * names the cause.) Without an Origin (not a cross-origin browser request) the answer is `*` too.
 */
export function corsHeaders(
  options: ResolvedOptions,
  request: IncomingMessage,
  headers: OutgoingHttpHeaders,
): void {
  const origin = request.headers.origin;
  if (origin && (options.allowedOrigins !== '*' || options.protocolSuite)) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Credentials'] = 'true';
    headers['Vary'] = 'Origin';
  } else {
    headers['Access-Control-Allow-Origin'] = '*';
  }
  const requested = request.headers['access-control-request-headers'];
  if (requested) headers['Access-Control-Allow-Headers'] = requested;
}

const COOKIE_VALUE = /^[A-Za-z0-9._~-]{1,128}$/;

/** Set JSESSIONID (echoing a valid one the client sent), or let the application's function do it. */
export function cookieHeaders(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
): void {
  const { jsessionid } = options;
  if (jsessionid === false) return;
  if (typeof jsessionid === 'function') {
    jsessionid(request, response);
    return;
  }
  const sent = /(?:^|;\s*)JSESSIONID=([^;]*)/.exec(request.headers.cookie ?? '')?.[1];
  const value = sent !== undefined && COOKIE_VALUE.test(sent) ? sent : 'dummy';
  headers['Set-Cookie'] = `JSESSIONID=${value}; path=/`;
}

export function sendText(
  response: ServerResponse,
  status: number,
  body: string,
  headers: OutgoingHttpHeaders = {},
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  headers['Content-Type'] = 'text/plain; charset=UTF-8';
  headers['Content-Length'] = Buffer.byteLength(body);
  response.writeHead(status, headers);
  response.end(body);
}

/** An empty response (405, 204, 304): no Content-Type, no body. */
export function sendEmpty(response: ServerResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, headers);
  response.end();
}

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

export class BodyTimeoutError extends Error {
  override readonly name = 'BodyTimeoutError';
}

/** What bounds a body: its size, and the time it may take to arrive. */
export interface BodyLimits {
  readonly maxBytes: number;
  /** Milliseconds from the start of reading to the end of the body. */
  readonly timeout: number;
  readonly timers: Timers;
}

/** The limits of a SockJS send body: maxMessageSize and sendBodyTimeout. */
export function sendBodyLimits(options: ResolvedOptions): BodyLimits {
  return { maxBytes: options.maxMessageSize, timeout: options.sendBodyTimeout, timers: options.timers };
}

/**
 * Read a request body as UTF-8, refusing more than `maxBytes` (checked against Content-Length up front and
 * against what actually arrives) and a body not complete within `timeout`: a client that drips its body
 * would otherwise hold the request, and what it sent so far, until Node's own 300 s request timeout. Fails
 * if the client goes away before the body is complete. Calls `done` exactly once. A callback, not a
 * promise: this runs for every message a client sends over HTTP.
 */
export function readBody(
  request: IncomingMessage,
  limits: BodyLimits,
  done: (error: Error | null, body: string) => void,
): void {
  const limit = limits.maxBytes;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    done(new BodyTooLargeError(`Request body of ${declared} bytes exceeds the limit of ${limit}`), '');
    return;
  }
  const { timers, timeout } = limits;
  const timer = timers.setTimeout(() => {
    cleanup();
    done(new BodyTimeoutError(`Request body not complete within ${timeout} ms`), '');
  }, timeout);
  let first: Buffer | null = null;
  let more: Buffer[] | null = null;
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      cleanup();
      done(new BodyTooLargeError(`Request body exceeds the limit of ${limit} bytes`), '');
      return;
    }
    // Small bodies arrive in one chunk: no array and no copy for them.
    if (first === null) first = chunk;
    else if (more === null) more = [first, chunk];
    else more.push(chunk);
  };
  const onEnd = () => {
    cleanup();
    const body = more !== null ? Buffer.concat(more, size) : first;
    done(null, body === null ? '' : body.toString('utf8'));
  };
  const onAbort = () => {
    cleanup();
    done(new Error('Request aborted before its body was complete'), '');
  };
  const cleanup = () => {
    timers.clearTimeout(timer);
    request.off('data', onData);
    request.off('end', onEnd);
    request.off('close', onAbort);
  };
  request.on('data', onData);
  request.on('end', onEnd);
  request.on('close', onAbort);
}

/** Per-process unique ids for connections (not the client's session id, which stays private). */
export function newConnectionId(): string {
  return randomUUID();
}

/** Headers of every response on a session URL: content type, no caching, CORS, and the JSESSIONID cookie. */
export function sessionHeaders(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
  contentType: string,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'Content-Type': contentType };
  noCacheHeaders(headers);
  corsHeaders(options, request, headers);
  cookieHeaders(options, request, response, headers);
  return headers;
}

/**
 * Refuse a session request (binding, quotas: see session-binding.ts) with its status and the text that says
 * why, readable by the page that made it (CORS), never cached.
 */
export function sendRefusal(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
  refusal: { readonly status: number; readonly message: string },
): void {
  const headers: OutgoingHttpHeaders = {};
  noCacheHeaders(headers);
  corsHeaders(options, request, headers);
  if (refusal.status === 503) headers['Retry-After'] = 5;
  sendText(response, refusal.status, refusal.message, headers);
}

/** The parts of an HTTP request a session keeps (they can travel between cluster nodes). */
export function requestInfo(request: IncomingMessage): ForwardedRequest {
  return {
    headers: request.headers,
    url: request.url ?? '',
    remoteAddress: request.socket.remoteAddress ?? '',
    remotePort: request.socket.remotePort ?? 0,
  };
}
