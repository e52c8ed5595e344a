import { readdir, readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Listening, listen } from './listen.js';

/*
 * The origin the test pages come from. It serves:
 *   /page.html              a blank page that loads the client libraries, then page/scenarios.js
 *   /lib/<name>.min.js      our IIFE builds from packages/client/dist (sockwire, and any later bundle such as
 *                           a STOMP one), and sockjs-client's dist file as /lib/sockjs.min.js
 *   /scenarios.js           the page-side scenarios
 * Scripts are read once, when the server starts, and served from memory: a concurrent rebuild of the client
 * (tsup empties dist/ first) cannot take them away in the middle of a run. A file missing at start is read
 * again on request.
 */

const require = createRequire(import.meta.url);
const clientDist = join(dirname(require.resolve('@sockwire/client/package.json')), 'dist');
const scriptFiles: Readonly<Record<string, string>> = {
  '/scenarios.js': fileURLToPath(new URL('../../page/scenarios.js', import.meta.url)),
  '/lib/sockjs.min.js': require.resolve('sockjs-client/dist/sockjs.min.js'),
};

/** Which scripts a page loads, in order: names of /lib/<name>.min.js. */
export const DEFAULT_LIBRARIES = ['sockwire', 'sockjs'] as const;

export interface PageOptions {
  /** Delete `window.WebSocket` before any library loads, as in a browser or webview without it. */
  readonly withoutWebSocket?: boolean;
  /** Names of /lib/<name>.min.js to load; default both clients. */
  readonly libraries?: readonly string[];
}

export interface PageServer extends Listening {
  /** The URL of a test page with these options. */
  pageUrl(options?: PageOptions): string;
  /** The URL of sockjs-client's dist file on this server. */
  readonly sockjsClientUrl: string;
}

function pageHtml(url: URL): string {
  const libraries = (url.searchParams.get('libraries') ?? DEFAULT_LIBRARIES.join(',')).split(',');
  const noWebSocket = url.searchParams.get('websocket') === 'none';
  // `delete` alone is enough in today's engines; the assignment covers one where the property is not configurable.
  const removal = noWebSocket
    ? '<script>delete window.WebSocket; if (window.WebSocket) window.WebSocket = undefined;</script>'
    : '';
  const scripts = libraries.map((name) => `<script src="/lib/${encodeURIComponent(name)}.min.js"></script>`);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Sockwire e2e</title>',
    removal,
    ...scripts,
    '<script src="/scenarios.js"></script>',
    '</head><body style="font: 12px monospace"></body></html>',
  ].join('\n');
}

function scriptPath(pathname: string): string | undefined {
  const fixed = scriptFiles[pathname];
  if (fixed) return fixed;
  const match = /^\/lib\/([a-z0-9-]+\.min\.js)$/.exec(pathname);
  return match?.[1] ? join(clientDist, match[1]) : undefined;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** Every script this server may serve, read now; the ones that could not be read are left out. */
async function readScripts(): Promise<Map<string, Buffer>> {
  const names = await readdir(clientDist).catch(() => []);
  const paths = [
    ...Object.keys(scriptFiles),
    ...names.filter((name) => name.endsWith('.min.js')).map((name) => `/lib/${name}`),
  ];
  const cache = new Map<string, Buffer>();
  await Promise.all(
    paths.map(async (path) => {
      const file = scriptPath(path);
      const body = file ? await readFile(file).catch(() => undefined) : undefined;
      if (body) cache.set(path, body);
    }),
  );
  return cache;
}

export async function startPageServer(): Promise<PageServer> {
  const scripts = await readScripts();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pages');
    if (url.pathname === '/page.html') return send(res, 200, 'text/html; charset=utf-8', pageHtml(url));
    if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    const cached = scripts.get(url.pathname);
    if (cached) return send(res, 200, 'text/javascript; charset=utf-8', cached);
    const file = scriptPath(url.pathname);
    if (!file) return send(res, 404, 'text/plain', `not found: ${url.pathname}`);
    readFile(file).then(
      (body) => send(res, 200, 'text/javascript; charset=utf-8', body),
      // A missing client build shows up in the page as "window.Sockwire is missing", and here as why.
      (error: unknown) => send(res, 404, 'text/plain', `cannot read ${file}: ${String(error)}`),
    );
  });
  const listening = await listen(server);
  return {
    ...listening,
    sockjsClientUrl: `${listening.origin}/lib/sockjs.min.js`,
    pageUrl(options = {}) {
      const query = new URLSearchParams();
      if (options.withoutWebSocket) query.set('websocket', 'none');
      if (options.libraries) query.set('libraries', options.libraries.join(','));
      const search = query.toString();
      return `${listening.origin}/page.html${search ? `?${search}` : ''}`;
    },
  };
}
