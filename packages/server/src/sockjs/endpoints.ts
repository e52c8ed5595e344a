import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ResolvedOptions } from '../options.js';
import { corsHeaders, longCacheHeaders, noCacheHeaders, sendEmpty, sendText } from './http.js';

/* The session-less endpoints: greeting, /info, the iframe page and CORS preflights. */

export function handleGreeting(response: ServerResponse): void {
  sendText(response, 200, 'Welcome to SockJS!\n');
}

export function handleInfo(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const body = JSON.stringify({
    websocket: options.websocket,
    cookie_needed: options.jsessionid !== false,
    origins: ['*:*'],
    // Old browsers had no good random source; the client may mix this in. 32 bits from the CSPRNG.
    entropy: randomBytes(4).readUInt32BE(0),
  });
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  };
  noCacheHeaders(headers);
  corsHeaders(options, request, headers);
  response.writeHead(200, headers);
  response.end(body);
}

/** A CORS preflight: cacheable for a year, as the protocol asks. */
export function handleOptions(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
  methods: string,
): void {
  const headers: OutgoingHttpHeaders = {
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Max-Age': String(365 * 24 * 60 * 60),
  };
  longCacheHeaders(headers);
  corsHeaders(options, request, headers);
  sendEmpty(response, 204, headers);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * The page sockjs-client's iframe-based transports load; its text is fixed by the protocol. The script runs
 * with this origin's rights, hence the integrity check when the URL is the pinned default.
 */
function iframePage(sockjsUrl: string, integrity: string | null): string {
  const checked =
    integrity === null ? '' : ` integrity="${escapeAttribute(integrity)}" crossorigin="anonymous"`;
  return `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="${escapeAttribute(sockjsUrl)}"${checked}></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>`;
}

const iframeCache = new Map<string, { body: string; etag: string }>();

export function handleIframe(
  options: ResolvedOptions,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const key = `${options.sockjsUrl} ${options.sockjsIntegrity ?? ''}`;
  let page = iframeCache.get(key);
  if (page === undefined) {
    const body = iframePage(options.sockjsUrl, options.sockjsIntegrity);
    page = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    iframeCache.set(key, page);
  }
  const headers: OutgoingHttpHeaders = { ETag: page.etag };
  longCacheHeaders(headers);
  if (request.headers['if-none-match'] === page.etag) {
    sendEmpty(response, 304, headers);
    return;
  }
  headers['Content-Type'] = 'text/html; charset=UTF-8';
  headers['Content-Length'] = Buffer.byteLength(page.body);
  response.writeHead(200, headers);
  response.end(page.body);
}
