import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  GET,
  POST,
  PROTOCOL_SUITE_OPTIONS,
  rawConnect,
  request,
  startServer,
  type TestServer,
} from './helpers.js';

let server: TestServer;
let wsBase: string;
beforeAll(async () => {
  server = await startServer(
    { stomp: { webSocketProtocols: ['v12.stomp', 'v11.stomp'] } },
    PROTOCOL_SUITE_OPTIONS,
  );
  wsBase = server.base.replace('http', 'ws');
});
afterAll(() => server.close());

let counter = 0;
const wsUrl = (service = 'echo') => `${wsBase}/${service}/000/ws${Date.now()}-${++counter}/websocket`;

/** Collects messages and the close of a client WebSocket. */
async function open(url: string, protocols?: string[]) {
  const socket = new WebSocket(url, protocols);
  const messages: string[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(data.toString());
    waiters.shift()?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await once(socket, 'open');
  return {
    socket,
    closed,
    async next(): Promise<string> {
      if (messages.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
      return messages.shift() as string;
    },
  };
}

describe('SockJS WebSocket', () => {
  it('opens with o and echoes arrays', async () => {
    const c = await open(wsUrl());
    expect(await c.next()).toBe('o');
    c.socket.send('["a"]');
    expect(await c.next()).toBe('a["a"]');
    c.socket.send('"single"');
    expect(await c.next()).toBe('a["single"]');
    c.socket.close();
  });

  it('ignores empty messages and empty arrays', async () => {
    const c = await open(wsUrl());
    await c.next();
    c.socket.send('');
    c.socket.send('[]');
    c.socket.send('["a"]');
    expect(await c.next()).toBe('a["a"]');
    c.socket.close();
  });

  it('sends the close frame, then closes the socket', async () => {
    const c = await open(wsUrl('close'));
    expect(await c.next()).toBe('o');
    expect(await c.next()).toBe('c[3000,"Go away!"]');
    expect((await c.closed).code).toBe(3000);
  });

  it('drops the socket on broken JSON, without a close frame', async () => {
    const c = await open(wsUrl());
    expect(await c.next()).toBe('o');
    c.socket.send('["a');
    expect(await c.closed).toEqual({ code: 1002, reason: 'Broken JSON encoding.' });
  });

  it('lets sessions share an id: each WebSocket is its own session', async () => {
    const url = wsUrl();
    const a = await open(url);
    const b = await open(url);
    expect(await a.next()).toBe('o');
    expect(await b.next()).toBe('o');
    a.socket.send('["a"]');
    b.socket.send('["b"]');
    expect(await a.next()).toBe('a["a"]');
    expect(await b.next()).toBe('a["b"]');
    a.socket.close();
    b.socket.close();
    const again = await open(url);
    expect(await again.next()).toBe('o');
    again.socket.close();
  });

  it('answers the handshake per RFC 6455', async () => {
    const socket = await rawConnect(server.port);
    socket.write(
      'GET /echo/000/raw/websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Origin: http://asd\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\r\n',
    );
    const head = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\r\n\r\n')) resolve(text);
      });
    });
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head.toLowerCase()).toContain('sec-websocket-accept: hsmrc0smlyukagmm5oppg2hagwk=');
    expect(head.toLowerCase()).toContain('upgrade: websocket');
    expect(head.toLowerCase()).not.toContain('content-length');
    socket.destroy();
  });

  it('refuses pre-RFC 6455 handshakes (hixie-76) with a clean 400', async () => {
    const socket = await rawConnect(server.port);
    socket.write(
      'GET /echo/000/hixie/websocket HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n' +
        'Origin: http://x\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nSec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n',
    );
    socket.write('aaaaaaaa');
    expect(await socket.received()).toMatch(/^HTTP\/1\.1 400 [^\r]*\r\n[\s\S]*only RFC 6455/);
  });

  it('answers plain HTTP requests to WebSocket URLs with 400 or 405', async () => {
    expect((await GET(`${server.base}/echo/0/0/websocket`)).status).toBe(400);
    const noUpgrade = await request('GET', `${server.base}/echo/0/0/websocket`, {
      headers: { Upgrade: 'WebSocket', Connection: 'close' },
    });
    expect(noUpgrade.status).toBe(400);
    const variants: Record<string, string>[] = [{ Upgrade: 'WebSocket', Connection: 'Upgrade' }, {}];
    for (const headers of variants) {
      const r = await POST(`${server.base}/echo/0/0/websocket`, undefined, headers);
      expect(r.status).toBe(405);
      expect(r.headers['content-type']).toBeUndefined();
      expect(r.headers.allow).toBeTruthy();
      expect(r.body).toBe('');
    }
  });

  it('is absent when disabled', async () => {
    const socket = new WebSocket(`${wsBase}/disabled_websocket_echo/000/x/websocket`);
    const [error] = (await once(socket, 'error')) as [Error];
    expect(error.message).toContain('404');
    expect((await GET(`${server.base}/disabled_websocket_echo/000/x/websocket`)).status).toBe(404);
  });

  it('negotiates a configured subprotocol and exposes it to the application', async () => {
    const connected = new Promise<string>((resolve) =>
      server.services.stomp?.once('connection', (connection) => resolve(connection.subprotocol)),
    );
    const c = await open(`${wsBase}/stomp/000/p${Date.now()}/websocket`, [
      'v10.stomp',
      'v11.stomp',
      'v12.stomp',
    ]);
    expect(c.socket.protocol).toBe('v12.stomp');
    expect(await connected).toBe('v12.stomp');
    c.socket.close();
  });

  it('closes on binary messages with 1003', async () => {
    const c = await open(wsUrl());
    await c.next();
    c.socket.send(Buffer.from([1, 2, 3]));
    expect((await c.closed).code).toBe(1003);
  });

  it('reports the client close code to the application', async () => {
    const closed = new Promise<unknown>((resolve) =>
      server.services.echo?.once('connection', (connection) => connection.once('close', resolve)),
    );
    const c = await open(wsUrl());
    await c.next();
    c.socket.close(4001, 'bye');
    expect(await closed).toEqual({ code: 4001, reason: 'bye', wasClean: true });
  });
});

describe('raw WebSocket endpoint', () => {
  it('echoes without SockJS framing', async () => {
    const c = await open(`${wsBase}/echo/websocket`);
    c.socket.send('Hello world!\uffff');
    expect(await c.next()).toBe('Hello world!\uffff');
    c.socket.close();
  });

  it('closes with the application code and reason', async () => {
    const c = await open(`${wsBase}/close/websocket`);
    expect(await c.closed).toEqual({ code: 3000, reason: 'Go away!' });
  });
});
