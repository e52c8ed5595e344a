import { it } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { sockjsNode, startEchoServer } from './support/echo-servers.js';
import { nodeEnv } from './support/node-env.js';
import { echo, open } from './support/scenarios.js';

it('debug', async () => {
  const server = await startEchoServer(sockjsNode, { heartbeatDelay: 50, responseLimit: 4096 });
  const socket = await open(SockwireSocket, server.url, {
    ...nodeEnv,
    transports: ['websocket'],
    heartbeatTimeout: 400,
  });
  const t0 = Date.now();
  socket.addEventListener('heartbeat', () => console.log('beat', Date.now() - t0));
  socket.addEventListener('close', (e) =>
    console.log('close', Date.now() - t0, (e as CloseEvent).code, (e as CloseEvent).reason),
  );
  await echo(socket, ['a']);
  await new Promise((r) => setTimeout(r, 600));
  await server.stop();
});
