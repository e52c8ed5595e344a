import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Listening, listen } from './listen.js';

/*
 * The two sites of session-fixation.spec.ts (security issue 14).
 *
 *   victim    http://127.0.0.1:<port>: our SockJS server under /sockjs with an echo app that records every
 *             connection and the Cookie it was opened with; /login sets the victim's cookies; /page.html is
 *             a test page on this very origin (the client and the scenarios loaded from the page server).
 *             Every request is recorded, with the headers a browser uses to say where it comes from and the
 *             status the server answered.
 *   attacker  http://localhost:<port>: another site (localhost and 127.0.0.1 are different hosts, hence
 *             different sites), serving the pages the spec hands it.
 */

export const FIXATION_PREFIX = '/sockjs';

/** `<prefix>/<server id>/<session id>/<transport>` */
const SESSION_PATH = /^\/sockjs\/[^/]+\/([^/]+)\/([a-z_]+)$/;

/** The cookies /login sets: one with the engine's default SameSite, one that asks for cross-site use. */
export const VICTIM_COOKIES = ['login=victim; Path=/', 'login_none=victim; Path=/; SameSite=None; Secure'];

export interface RecordedRequest {
  /** Arrival order on the victim's server. */
  readonly seq: number;
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  /** The session id of a session URL, else null. */
  readonly session: string | null;
  readonly transport: string | null;
  readonly origin: string | undefined;
  readonly secFetchSite: string | undefined;
  readonly secFetchMode: string | undefined;
  readonly secFetchDest: string | undefined;
  readonly cookie: string | undefined;
  /** The status once the head went out; null while it has not. */
  readonly status: number | null;
  /** The body given to `end()` (the first 300 characters), as refusals send it; '' otherwise. */
  readonly body: string;
}

export interface SeenConnection {
  readonly session: string | null;
  readonly transport: string;
  /** Path and query of the request that opened it. */
  readonly url: string;
  readonly cookie: string | undefined;
}

export interface FixationSites {
  readonly victim: Listening & {
    /** The SockJS service URL: `http://127.0.0.1:<port>/sockjs`. */
    readonly serviceUrl: string;
    /** `<service>/000/<session>/<transport>` */
    sessionUrl(session: string, transport: string): string;
    readonly loginUrl: string;
    /** A test page on the victim's own origin, with @sockwire/client and the page-side scenarios. */
    readonly pageUrl: string;
    readonly requests: readonly RecordedRequest[];
    readonly connections: readonly SeenConnection[];
  };
  readonly attacker: Listening & {
    /** Serves `html` at `path` on the attacker's site; returns its URL (`http://localhost:<port>/<path>`). */
    host(path: string, html: string): string;
  };
  close(): Promise<void>;
}

function sessionOf(path: string): { session: string; transport: string } | null {
  const match = SESSION_PATH.exec(path);
  return match ? { session: match[1] as string, transport: match[2] as string } : null;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Records `request`, and through getters the status `response` got and the body of a one-shot answer. */
function record(seq: number, request: IncomingMessage, response: ServerResponse): RecordedRequest {
  const url = request.url ?? '/';
  const at = sessionOf(url.split('?')[0] as string);
  let body = '';
  const end = response.end;
  response.end = function (this: ServerResponse, ...args: unknown[]) {
    const chunk = args[0];
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) body = chunk.toString().slice(0, 300);
    return (end as (...rest: unknown[]) => ServerResponse).apply(this, args);
  } as typeof response.end;
  return {
    seq,
    method: request.method ?? 'GET',
    url,
    session: at?.session ?? null,
    transport: at?.transport ?? null,
    origin: header(request, 'origin'),
    secFetchSite: header(request, 'sec-fetch-site'),
    secFetchMode: header(request, 'sec-fetch-mode'),
    secFetchDest: header(request, 'sec-fetch-dest'),
    cookie: header(request, 'cookie'),
    get status() {
      return response.headersSent ? response.statusCode : null;
    },
    get body() {
      return body;
    },
  };
}

function html(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string[]> = {},
) {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(body);
}

/** @param pagesOrigin the page server's origin, which serves the client build and page/scenarios.js. */
export async function startFixationSites(pagesOrigin: string): Promise<FixationSites> {
  // Imported in the worker that serves (see echo.ts).
  const { createServer } = await import('@sockwire/server');
  // Defaults, as an application would run it: only its own origin, session keys offered.
  const sockwire = createServer({ prefix: FIXATION_PREFIX });
  const connections: SeenConnection[] = [];
  sockwire.on('connection', (connection) => {
    connections.push({
      session: sessionOf(connection.pathname)?.session ?? null,
      transport: connection.transport,
      url: connection.url,
      cookie: connection.headers.cookie,
    });
    connection.on('data', (message) => connection.write(message));
  });

  const requests: RecordedRequest[] = [];
  const page = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Sockwire e2e: the victim’s own page</title>',
    `<script src="${pagesOrigin}/lib/sockwire.min.js"></script>`,
    `<script src="${pagesOrigin}/scenarios.js"></script>`,
    '</head><body style="font: 12px monospace"></body></html>',
  ].join('\n');
  const victimServer = createHttpServer((request, response) => {
    requests.push(record(requests.length, request, response));
    if (sockwire.handle(request, response)) return;
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/login') {
      html(response, 200, '<!doctype html><title>signed in</title><p>signed in as victim</p>', {
        'set-cookie': VICTIM_COOKIES,
      });
    } else if (path === '/page.html') {
      html(response, 200, page);
    } else {
      html(response, 404, 'not found');
    }
  });
  const victim = await listen(victimServer);

  const pages = new Map<string, string>();
  const attackerServer = createHttpServer((request, response) => {
    const body = pages.get((request.url ?? '/').split('?')[0] as string);
    if (body === undefined) html(response, 404, 'not found');
    else html(response, 200, body);
  });
  const attacker = await listen(attackerServer);
  const attackerOrigin = `http://localhost:${attacker.port}`;
  const serviceUrl = `${victim.origin}${FIXATION_PREFIX}`;

  return {
    victim: {
      ...victim,
      serviceUrl,
      sessionUrl: (session, transport) => `${serviceUrl}/000/${session}/${transport}`,
      loginUrl: `${victim.origin}/login`,
      pageUrl: `${victim.origin}/page.html`,
      requests,
      connections,
    },
    attacker: {
      ...attacker,
      origin: attackerOrigin,
      host(path, body) {
        pages.set(`/${path}`, body);
        return `${attackerOrigin}/${path}`;
      },
    },
    async close() {
      sockwire.close();
      await Promise.all([victim.close(), attacker.close()]);
    },
  };
}
