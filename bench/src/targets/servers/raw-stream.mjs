/*
 * The streaming ceiling: a chunked HTTP response per client carrying newline-terminated messages, and POSTs
 * for the way up. `/echo/stream?id=N` + `/echo/send?id=N` echo to stream N; `/bcast/stream?id=N` +
 * `/bcast/send` write to every bcast stream. Each stream starts with `o\n` so a client knows it is open.
 * No response limit and no framing: this is what an HTTP fallback could cost at best.
 */

/** @param {import('node:http').IncomingMessage} request */
function readBody(request) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

const NL = Buffer.from('\n');

/** @param {import('node:http').Server} http */
export function install(http) {
  /** @type {Map<string, import('node:http').ServerResponse>} */
  const echo = new Map();
  /** @type {Set<import('node:http').ServerResponse>} */
  const group = new Set();
  http.on('request', async (request, response) => {
    request.on('error', () => {});
    response.on('error', () => {});
    const url = request.url ?? '';
    const q = url.indexOf('?id=');
    const path = q < 0 ? url : url.slice(0, q);
    const id = q < 0 ? '' : url.slice(q + 4);
    if (path === '/echo/stream' || path === '/bcast/stream') {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8', 'Cache-Control': 'no-store' });
      response.write('o\n');
      if (path === '/bcast/stream') group.add(response);
      else echo.set(id, response);
      response.on('close', () => {
        group.delete(response);
        if (echo.get(id) === response) echo.delete(id);
      });
      return;
    }
    if (path === '/echo/send' || path === '/bcast/send') {
      const body = await readBody(request).catch(() => null);
      if (body === null) return;
      response.writeHead(204);
      response.end();
      // One buffer for all receivers: a ceiling should not pay for encoding twice.
      const line = Buffer.concat([body, NL]);
      if (path === '/echo/send') echo.get(id)?.write(line);
      else for (const stream of group) stream.write(line);
      return;
    }
    response.writeHead(404);
    response.end();
  });
  return { sessions: () => echo.size + group.size };
}
