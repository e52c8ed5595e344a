/**
 * Sockwire beside a Fastify 5 application, installed on the HTTP server Fastify creates.
 *
 * Run it after `pnpm build` (it imports the built package), on a free port unless given one (argument or PORT):
 *   node packages/server/examples/fastify.ts [port]       Node 22.18 and later run TypeScript as it is
 *   npx tsx packages/server/examples/fastify.ts [port]    Node 20
 */
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createServer } from '@sockwire/server';
import Fastify from 'fastify';

export interface RunningExample {
  readonly url: string;
  close(): Promise<void>;
}

export async function start(port = 0): Promise<RunningExample> {
  const app = Fastify();
  app.get('/hello', async (_request, reply) => {
    reply.type('text/plain; charset=UTF-8');
    return 'Hello from Fastify\n';
  });

  const sockjs = createServer({ prefix: '/echo' });
  sockjs.on('connection', (connection) => {
    connection.on('data', (message) => connection.write(message));
  });
  // After ready(), Fastify's own request listener is on `app.server`; Sockwire keeps it for paths outside /echo.
  await app.ready();
  sockjs.installHandlers(app.server);

  // One explicit address: for `localhost`, Fastify opens a second server for the other IP family, and that one
  // passes HTTP requests straight to Fastify, around Sockwire (only upgrades are forwarded to `app.server`).
  await app.listen({ port, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      // Sessions first: Fastify's close() waits for open connections, and SockJS streams never end by themselves.
      sockjs.close();
      await app.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await start(Number(process.argv[2] ?? process.env.PORT ?? 0));
  console.log(`Listening on ${url}: app route ${url}/hello, SockJS echo ${url}/echo`);
}
