import { describe, expect, it } from 'vitest';
import { start as startExpress } from '../../examples/express.js';
import { start as startFastify } from '../../examples/fastify.js';
import { start as startHttp } from '../../examples/http.js';
import { GET, POST } from './helpers.js';
import { openWebSocket } from './robustness-support.js';

/* Each example starts, serves its own route, and echoes over SockJS on both a polling and a WebSocket transport. */

const examples = [
  { name: 'node:http', start: startHttp, greeting: 'Hello from node:http\n' },
  { name: 'Express', start: startExpress, greeting: 'Hello from Express\n' },
  { name: 'Fastify', start: startFastify, greeting: 'Hello from Fastify\n' },
] as const;

let sessions = 0;
const newSession = (url: string) => `${url}/echo/000/example-${process.pid}-${++sessions}`;

describe.each(examples)('the $name example', ({ start, greeting }) => {
  it('serves its app route and leaves other paths to the app', async () => {
    const example = await start(0);
    try {
      const hello = await GET(`${example.url}/hello`);
      expect([hello.status, hello.body]).toEqual([200, greeting]);
      expect((await GET(`${example.url}/nowhere`)).status).toBe(404);
      expect((await GET(`${example.url}/echo`)).body).toBe('Welcome to SockJS!\n');
    } finally {
      await example.close();
    }
  });

  it('echoes over xhr-polling', async () => {
    const example = await start(0);
    try {
      const session = newSession(example.url);
      expect((await POST(`${session}/xhr`)).body).toBe('o\n');
      expect((await POST(`${session}/xhr_send`, '["over xhr"]')).status).toBe(204);
      expect((await POST(`${session}/xhr`)).body).toBe('a["over xhr"]\n');
    } finally {
      await example.close();
    }
  });

  it('echoes over WebSocket', async () => {
    const example = await start(0);
    try {
      const client = await openWebSocket(`${newSession(example.url)}/websocket`.replace(/^http:/, 'ws:'));
      expect(await client.next()).toBe('o');
      client.ws.send('["over websocket"]');
      expect(await client.next()).toBe('a["over websocket"]');
      client.ws.close(1000);
      expect((await client.closed).code).toBe(1000);
    } finally {
      await example.close();
    }
  });
});
