import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleGreeting, handleIframe, handleInfo, handleOptions } from './endpoints.js';
import { hostRefusal, isHostAllowed } from './host.js';
import { NOSNIFF, sendEmpty, sendText } from './http.js';
import { isOriginAllowed, originRefusal } from './origin.js';
import type { SockjsService } from './service.js';
import {
  BAD_ID_MESSAGE,
  CROSS_SITE_MESSAGE,
  isCrossSiteWithoutOrigin,
  SERVER_ID_FORMAT,
  SESSION_ID_FORMAT,
} from './session-binding.js';
import { handleEventSource } from './transports/eventsource.js';
import { handleHtmlfile } from './transports/htmlfile.js';
import { handleJsonpPolling } from './transports/jsonp.js';
import { RawWebSocketConnection } from './transports/raw-websocket.js';
import { handleSend } from './transports/send.js';
import { runWebSocketSession } from './transports/websocket.js';
import { handleXhrPolling } from './transports/xhr-polling.js';
import { handleXhrStreaming } from './transports/xhr-streaming.js';

/**
 * `/<server>/<session>/<transport>`. Ids are then checked against session-binding.ts's formats (the protocol
 * suite's legacy mode takes any non-empty text without `/` or `.`).
 */
const SESSION_PATH = /^\/([^/.]+)\/([^/.]+)\/([a-z_]+)$/;
const IFRAME_PATH = /^\/iframe[0-9a-z._-]*\.html$/;
const IFRAME_OFF =
  "Not found: the iframe page is off. Only sockjs-client's iframe transports (for browsers without CORS) " +
  "use it; set the server's iframe option to serve it.\n";

type SessionHandler = (
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  /** The raw query string: most requests never need it parsed. */
  query: string,
) => void | Promise<void>;

interface Route {
  readonly methods: string;
  readonly handlers: Readonly<Record<string, SessionHandler>>;
  /** Script-injecting transports are only offered when any origin may connect (see `legacyAllowed`). */
  readonly legacy?: boolean;
}

const options =
  (methods: string): SessionHandler =>
  (service, request, response) =>
    handleOptions(service.options, request, response, methods);

const SESSION_ROUTES: Readonly<Record<string, Route>> = {
  xhr: { methods: 'OPTIONS, POST', handlers: { POST: handleXhrPolling, OPTIONS: options('OPTIONS, POST') } },
  xhr_send: {
    methods: 'OPTIONS, POST',
    handlers: { POST: (s, q, r, id) => handleSend(s, q, r, id, 'xhr'), OPTIONS: options('OPTIONS, POST') },
  },
  xhr_streaming: {
    methods: 'OPTIONS, POST',
    handlers: { POST: handleXhrStreaming, OPTIONS: options('OPTIONS, POST') },
  },
  eventsource: { methods: 'GET', handlers: { GET: handleEventSource } },
  htmlfile: { methods: 'GET', handlers: { GET: handleHtmlfile }, legacy: true },
  jsonp: { methods: 'GET', handlers: { GET: handleJsonpPolling }, legacy: true },
  jsonp_send: {
    methods: 'POST',
    handlers: { POST: (s, q, r, id) => handleSend(s, q, r, id, 'jsonp') },
    legacy: true,
  },
};

/**
 * htmlfile and JSONP run in the page through `<script>`/iframes, which send no `Origin`: an allow-list cannot
 * protect them, so they are served only when the allow-list is `*` anyway (as Spring does).
 */
function legacyAllowed(service: SockjsService): boolean {
  return service.options.allowedOrigins === '*';
}

function refuseOrigin(request: IncomingMessage, response: ServerResponse): void {
  // CORS on the refusal itself, so that the refused page can read why (it carries nothing private).
  const headers: OutgoingHttpHeaders = { Vary: 'Origin' };
  if (request.headers.origin) headers['Access-Control-Allow-Origin'] = request.headers.origin;
  sendText(response, 403, originRefusal(request), headers);
}

/** Serve one HTTP request whose path is under the service's prefix (`path` is the part after the prefix). */
export function routeRequest(
  service: SockjsService,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: string,
): void {
  if (!isHostAllowed(service.options.allowedHosts, request)) {
    sendText(response, 403, hostRefusal(service.options.allowedHosts, request));
    return;
  }
  const method = request.method ?? 'GET';
  if (path === '' || path === '/') {
    if (method === 'GET' || method === 'HEAD') handleGreeting(response);
    else sendEmpty(response, 405, { Allow: 'GET, HEAD' });
    return;
  }
  if (path === '/info') {
    if (!isOriginAllowed(service.options.allowedOrigins, request)) {
      refuseOrigin(request, response);
      return;
    }
    if (method === 'GET') handleInfo(service.options, request, response);
    else if (method === 'OPTIONS') handleOptions(service.options, request, response, 'OPTIONS, GET');
    else sendEmpty(response, 405, { Allow: 'OPTIONS, GET' });
    return;
  }
  if (IFRAME_PATH.test(path)) {
    if (!service.options.iframe) sendText(response, 404, IFRAME_OFF);
    else if (method === 'GET' || method === 'HEAD') handleIframe(service.options, request, response);
    else sendEmpty(response, 405, { Allow: 'GET' });
    return;
  }
  if (path === '/websocket') {
    handlePlainWebSocketRequest(service, method, response);
    return;
  }
  const match = SESSION_PATH.exec(path);
  if (match === null) {
    sendText(response, 404, 'Not found\n');
    return;
  }
  const sessionId = match[2] as string;
  const transport = match[3] as string;
  if (transport === 'websocket') {
    handlePlainWebSocketRequest(service, method, response);
    return;
  }
  const route = SESSION_ROUTES[transport];
  if (route === undefined || (route.legacy === true && !legacyAllowed(service))) {
    sendText(response, 404, 'Not found\n');
    return;
  }
  const handler = route.handlers[method];
  if (handler === undefined) {
    sendEmpty(response, 405, { Allow: route.methods });
    return;
  }
  if (!idsAllowed(service, match[1] as string, sessionId)) {
    sendText(response, 400, BAD_ID_MESSAGE);
    return;
  }
  if (!isOriginAllowed(service.options.allowedOrigins, request)) {
    refuseOrigin(request, response);
    return;
  }
  // The script-injecting transports are cross-site no-cors loads by design, and served only under '*'.
  if (route.legacy !== true && isCrossSiteWithoutOrigin(request)) {
    sendText(response, 403, CROSS_SITE_MESSAGE);
    return;
  }
  const result = handler(service, request, response, sessionId, query);
  if (result instanceof Promise) {
    result.catch((error: unknown) => {
      service.options.log('error', `sockjs ${transport}: ${(error as Error).message}`);
      sendText(response, 500, 'Internal server error\n');
    });
  }
}

function idsAllowed(service: SockjsService, serverId: string, sessionId: string): boolean {
  return (
    service.options.protocolSuite || (SERVER_ID_FORMAT.test(serverId) && SESSION_ID_FORMAT.test(sessionId))
  );
}

/** A WebSocket URL reached as a plain HTTP request: it is not an upgrade (or a proxy stripped the headers). */
function handlePlainWebSocketRequest(service: SockjsService, method: string, response: ServerResponse): void {
  if (!service.options.websocket) {
    sendText(response, 404, 'Not found: WebSocket is disabled on this server\n');
  } else if (method !== 'GET') {
    sendEmpty(response, 405, { Allow: 'GET' });
  } else {
    sendText(response, 400, 'Can "Upgrade" only to "WebSocket": not a valid websocket request.\n');
  }
}

/** Refuse an upgrade with a complete HTTP response, then drop the socket. An empty body sends no Content-Type. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  body: string,
  extra = '',
): void {
  if (socket.writable) {
    const type = body === '' ? '' : 'Content-Type: text/plain; charset=UTF-8\r\n';
    socket.end(
      `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\n${NOSNIFF[0]}: ${NOSNIFF[1]}\r\n${extra}${type}` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      // The HTTP server allows half-open sockets: close ours once the answer is out, whatever the peer does.
      () => socket.destroy(),
    );
  } else {
    socket.destroy();
  }
}

/** Serve one upgrade request whose path is under the service's prefix. */
export function routeUpgrade(
  service: SockjsService,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  path: string,
  prefix: string,
): void {
  if (!isHostAllowed(service.options.allowedHosts, request)) {
    refuseUpgrade(socket, 403, 'Forbidden', hostRefusal(service.options.allowedHosts, request));
    return;
  }
  const raw = path === '/websocket';
  const match = raw ? null : SESSION_PATH.exec(path);
  if (!raw && (match === null || match[3] !== 'websocket')) {
    refuseUpgrade(socket, 404, 'Not Found', 'Not found\n');
    return;
  }
  if (match !== null && !idsAllowed(service, match[1] as string, match[2] as string)) {
    refuseUpgrade(socket, 400, 'Bad Request', BAD_ID_MESSAGE);
    return;
  }
  if (!service.options.websocket) {
    refuseUpgrade(socket, 404, 'Not Found', 'Not found: WebSocket is disabled on this server\n');
    return;
  }
  if (request.method !== 'GET') {
    refuseUpgrade(socket, 405, 'Method Not Allowed', '', 'Allow: GET\r\n');
    return;
  }
  if (!isOriginAllowed(service.options.allowedOrigins, request)) {
    refuseUpgrade(socket, 403, 'Forbidden', originRefusal(request));
    return;
  }
  if (request.headers['sec-websocket-key'] === undefined) {
    // hixie-76 and other pre-RFC 6455 drafts: no browser has sent them since 2012.
    refuseUpgrade(
      socket,
      400,
      'Bad Request',
      'Unsupported WebSocket handshake: only RFC 6455 (version 13) is spoken\n',
    );
    return;
  }
  const full = service.admitUpgrade(request);
  if (full !== null) {
    const status = full.status === 429 ? 'Too Many Requests' : 'Service Unavailable';
    refuseUpgrade(socket, full.status, status, full.message);
    return;
  }
  const server = raw ? service.rawWebSocketServer : service.webSocketServer;
  server.handleUpgrade(request, socket, head, (webSocket) => {
    if (raw) service.announce(new RawWebSocketConnection(webSocket, request, service.options, prefix));
    else runWebSocketSession(service, webSocket, request);
  });
}
