import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * `sockwire serve`'s copies of @sockwire/client's <script> files, so that a plain HTML page can use the
 * server it connects to with no build step of its own. The server package may not import the client's code:
 * the repository's build (scripts/build.mjs) copies the built files into dist/browser once both packages are
 * built, and they are read from there on every request (a rebuild needs no restart).
 */

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** The files served at `/<name>`; each one's `.map` too, when the build made one. */
export const BROWSER_FILES: readonly string[] = [
  'sockwire.min.js',
  'sockwire-reconnect.min.js',
  'sockwire-stomp.min.js',
];

/**
 * `browser/` beside this module: in the built CLI (one bundle, dist/cli.js) that is dist/browser. Run from
 * the sources (tests), it names a directory that does not exist, and the files get the 404 that says how to
 * build them; startServe's `browserDir` points elsewhere.
 */
export const DEFAULT_BROWSER_DIR = fileURLToPath(new URL('browser/', import.meta.url));

/** Whether every file is in `dir` (for the line `sockwire serve` prints when it starts). */
export function browserFilesBuilt(dir: string): boolean {
  return BROWSER_FILES.every((name) => existsSync(join(dir, name)));
}

const SCRIPT = 'text/javascript; charset=UTF-8';
const MAP = 'application/json';

/**
 * GET and HEAD of the files in BROWSER_FILES from `dir`; every other request goes to `next` (the static
 * files or the 404). These names are answered here even when `next` has a file of the same name: a page
 * asking for /sockwire.min.js gets the client of this server. A map that was not built goes to `next` too.
 */
export function browserFiles(dir: string, next: Handler): Handler {
  return (request, response) => {
    const name = fileName(request.url);
    const map = name.endsWith('.map') && BROWSER_FILES.includes(name.slice(0, -'.map'.length));
    if (!map && !BROWSER_FILES.includes(name)) {
      next(request, response);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=UTF-8' });
      response.end(`${request.method} /${name}: only GET and HEAD are answered here\n`);
      return;
    }
    readFile(join(dir, name)).then(
      (body) => send(request, response, body, map ? MAP : SCRIPT),
      () => {
        if (map) next(request, response);
        else missing(response, name);
      },
    );
  };
}

/** The file name of a top-level path (`/sockwire.min.js?v=2` → `sockwire.min.js`), or '' for any other. */
function fileName(url: string | undefined): string {
  const raw = url ?? '/';
  const end = raw.search(/[?#]/);
  const pathname = end < 0 ? raw : raw.slice(0, end);
  return /^\/[A-Za-z0-9.-]+$/.test(pathname) ? pathname.slice(1) : '';
}

/**
 * The file with a validator: the URL does not change when the client is rebuilt, so browsers keep a copy
 * but ask each time (`no-cache`), and get 304 while it is the same. Anyone may load it (it is the public
 * client library): `Access-Control-Allow-Origin: *` lets a page of another origin use `crossorigin` and
 * `integrity` on its <script> tag.
 */
function send(request: IncomingMessage, response: ServerResponse, body: Buffer, type: string): void {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers = {
    'Cache-Control': 'no-cache',
    ETag: etag,
    'Access-Control-Allow-Origin': '*',
    'X-Content-Type-Options': 'nosniff',
  };
  if (matches(request.headers['if-none-match'], etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}

/** The server was built without the client (or the client not at all): say how to get the file. */
function missing(response: ServerResponse, name: string): void {
  response.writeHead(404, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(
    `/${name} is not built yet. It is @sockwire/client's <script> file, which the repository's build ` +
      'copies into the server package (packages/server/dist/browser) once it has built the client.\n' +
      'Build it from the repository root with `npm run build` (node scripts/build.mjs), then reload: ' +
      'sockwire serve reads it on every request, no restart needed.\n',
  );
}
