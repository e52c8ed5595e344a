import { afterAll, beforeAll, expect, it } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { type EchoServer, sockjsNode, startEchoServer } from './support/echo-servers.js';
import { nodeEnv } from './support/node-env.js';
import { echo, open } from './support/scenarios.js';

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer(sockjsNode);
});
afterAll(() => server.stop());

for (const t of ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const) {
  it(`echoes over ${t}`, async () => {
    const socket = await open(SockwireSocket, server.url, { transports: [t], ...nodeEnv });
    expect(socket.transport).toBe(t);
    expect(await echo(socket, ['a', 'b', 'é😀'])).toEqual(['a', 'b', 'é😀']);
    socket.close();
  });
}
