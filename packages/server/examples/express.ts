/**
 * Sockwire beside an Express 5 application: Express keeps its routes, Sockwire serves everything under /echo.
 *
 * Run it after `pnpm build` (it imports the built package), on a free port unless given one (argument or PORT):
 *   node packages/server/examples/express.ts [port]       Node 22.18 and later run TypeScript as it is
 *   npx tsx packages/server/examples/express.ts [port]    Node 20
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createServer } from '@sockwire/server';
import express from 'express';

export interface RunningExample {
  readonly url: string;
  close(): Promise<void>;
}

export async function start(port = 0): Promise<RunningExample> {
  const app = express();
  app.get('/hello', (_request, response) => {
    response.type('text/plain').send('Hello from Express\n');
  });

  // Sockwire needs the HTTP server itself (WebSocket upgrades never reach Express), so create it explicitly.
  const http = createHttpServer(app);
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
