import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SockJS, type SockJSSocket } from '../support/sockjs-client.js';
import { startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ big: { responseLimit: 128 * 1024 } });
});
afterAll(() => server.close());

const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'] as const;

function connect(url: string, transport: string): Promise<{ socket: SockJSSocket; next(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = new SockJS(url, null, { transports: [transport] });
    const messages: string[] = [];
    const waiters: Array<(m: string) => void> = [];
    socket.onmessage = (event) => {
      const waiter = waiters.shift();
      if (waiter) waiter(event.data);
      else messages.push(event.data);
    };
    socket.onopen = () =>
      resolve({
        socket,
        next: () =>
          new Promise<string>((done) => {
            const message = messages.shift();
            if (message !== undefined) done(message);
            else waiters.push(done);
          }),
      });
    socket.onclose = (event) => reject(new Error(`closed before open: ${event.code} ${event.reason}`));
  });
}

describe.each(TRANSPORTS)('sockjs-client over %s', (transport) => {
  it('echoes text, Unicode and escaped characters in order', async () => {
    const { socket, next } = await connect(`${server.base}/big`, transport);
    expect(socket.transport).toBe(transport);
    const messages = [
      'hello',
      'héllo ✓ 😀',
      '\u2028\u2029\u200c\ufeff\uffff',
      '"quoted" \\ back',
      'x'.repeat(50_000),
    ];
    for (const message of messages) socket.send(message);
    for (const message of messages) expect(await next()).toBe(message);
    const many = Array.from({ length: 300 }, (_, i) => `m${i}`);
    for (const message of many) socket.send(message);
    for (const message of many) expect(await next()).toBe(message);
    socket.close();
  });

  it('receives the server close code', async () => {
    const socket = new SockJS(`${server.base}/close`, null, { transports: [transport] });
    const event = await new Promise<{ code: number; reason: string }>((resolve) => {
      socket.onclose = resolve;
    });
    expect(event).toMatchObject({ code: 3000, reason: 'Go away!' });
  });
});
