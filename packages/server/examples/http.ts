/**
 * Sockwire on a plain `node:http` server: a SockJS echo service at /echo beside the application's own route.
 *
 * Run it after `pnpm build` (it imports the built package), on a free port unless given one (argument or PORT):
 *   node packages/server/examples/http.ts [port]       Node 22.18 and later run TypeScript as it is
 *   npx tsx packages/server/examples/http.ts [port]    Node 20
 * Then try: curl -X POST http://127.0.0.1:PORT/echo/000/abc/xhr
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createServer } from '@sockwire/server';

export interface RunningExample {
  readonly url: string;
  close(): Promise<void>;
}

export async function start(port = 0): Promise<RunningExample> {
  const http = createHttpServer((request, response) => {
    // Everything outside /echo reaches this listener untouched.
    if (request.url === '/hello') {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
      response.end('Hello from node:http\n');
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' });
    response.end('Not found\n');
  });

  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (connection) => {
    connection.on('data', (message) => connection.write(message));
  });
  sockjs.installHandlers(http);

  http.listen(port, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      // Tell every client (close 1001), then drop what is left: idle keep-alive sockets would hold close().
      sockjs.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start(Number(process.argv[2] ?? process.env.PORT ?? 0));
  console.log(`Listening on ${url}: app route ${url}/hello, SockJS echo ${url}/echo`);
}
