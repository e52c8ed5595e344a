import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * GET/HEAD of the built page under `dir`. Vite names assets by content hash, so they may be cached for good;
 * index.html must not be, or a rebuilt page would load old scripts.
 */
export function staticFiles(dir: string): (request: IncomingMessage, response: ServerResponse) => void {
  const root = resolve(dir);
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let file: string;
    try {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
      file = resolve(join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname));
    } catch {
      response.writeHead(400).end();
      return;
    }
    // `..` in the path must not reach outside the page's folder.
    if (!file.startsWith(root + sep)) {
      response.writeHead(404).end();
      return;
    }
    stat(file).then(
      (info) => {
        if (!info.isFile()) throw new Error('not a file');
        const immutable = file.includes(`${sep}assets${sep}`);
        response.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': info.size,
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          'x-content-type-options': 'nosniff',
        });
        if (request.method === 'HEAD') response.end();
        else createReadStream(file).pipe(response);
      },
      () => {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      },
    );
  };
}
