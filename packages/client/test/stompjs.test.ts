import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createServer, createStompBroker, STOMP_SUBPROTOCOLS } from '@sockwire/server';
import { Client, type IMessage, type IStompSocket } from '@stomp/stompjs';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { FakeWebSocket, fakeEnv } from './support/fakes.js';
import './support/stompjs-install.js';

/*
 * The STOMP test files run once per stompjs version of the matrix (support/stompjs-install.ts): this proves
 * that the run really imports the version it says, so that a version that stopped loading cannot pass unseen.
 */
const stompjs = inject('stompjs');
describe(`the @stomp/stompjs of this run, ${stompjs.version}`, () => {
  it('is the module that `@stomp/stompjs` imports (the client and these tests alike)', async () => {
    const expected: { Client: unknown } = await import(pathToFileURL(stompjs.entry).href);
    expect(Client).toBe(expected.Client);
  });
});

/*
 * @stomp/stompjs takes the socket from `webSocketFactory` and drives it through its IStompSocket contract.
 * The assignment below is the compile-time half of this test; the real-server test below is the run-time half.
 */
const factory: (url: string) => IStompSocket = (url) => new SockwireSocket(url);

describe('the README factory, `(url) => new SockwireSocket(url)`, against a real server', () => {
  const broker = createStompBroker();
  const sockjs = createServer({ prefix: '/stomp', webSocketProtocols: STOMP_SUBPROTOCOLS });
  const http: Server = createHttpServer();
  let client: Client | undefined;
  afterEach(async () => {
    await client?.deactivate();
    sockjs.close();
    await broker.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('makes a socket on which stompjs connects, subscribes and gets its own message back', async () => {
    sockjs.on('connection', (connection) => broker.handleConnection(connection));
    sockjs.installHandlers(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/stomp`;
    const made: IStompSocket[] = [];
    client = new Client({
      webSocketFactory: () => {
        const socket = factory(url);
        made.push(socket);
        return socket;
      },
      reconnectDelay: 0,
    });
    const received = new Promise<IMessage>((resolve) => {
      (client as Client).onConnect = () => {
        client?.subscribe('/topic/factory', resolve);
        client?.publish({ destination: '/topic/factory', body: 'through the factory' });
      };
    });
    client.activate();
    expect((await received).body).toBe('through the factory');
    expect(made).toHaveLength(1);
    expect(made[0]).toBeInstanceOf(SockwireSocket);
    expect((made[0] as SockwireSocket).readyState).toBe(SockwireSocket.OPEN);
    expect(broker.stats().framesIn).toMatchObject({ CONNECT: 1, SUBSCRIBE: 1, SEND: 1 });
  });
});

describe('a stompjs Client on a SockwireSocket (fake WebSocket and fetch, fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves as the socket of a stompjs Client', async () => {
    const { options } = fakeEnv();
    const sockets: SockwireSocket[] = [];
    const client = new Client({
      webSocketFactory: () => {
        const socket = new SockwireSocket('http://example.test/stomp', {
          ...options,
          transports: ['websocket'],
        });
        sockets.push(socket);
        return socket;
      },
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      reconnectDelay: 0,
    });
    const connected = vi.fn();
    client.onConnect = connected;
    client.activate();
    await vi.advanceTimersByTimeAsync(10);
    const ws = FakeWebSocket.last();
    ws.frame('o');
    await vi.advanceTimersByTimeAsync(0);
    const [connect] = ws.sent.map((data) => (JSON.parse(data) as string[])[0] ?? '');
    expect(connect).toMatch(/^CONNECT\naccept-version:/);
    ws.frame('a' + JSON.stringify(['CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\u0000']));
    await vi.advanceTimersByTimeAsync(0);
    expect(connected).toHaveBeenCalledTimes(1);
    expect(sockets[0]?.binaryType).toBe('arraybuffer');

    client.publish({ destination: '/topic/x', body: 'héllo' });
    expect(JSON.parse(ws.sent.at(-1) ?? '')).toEqual([
      'SEND\ndestination:/topic/x\ncontent-length:6\n\nhéllo\u0000',
    ]);

    const deactivated = client.deactivate();
    await vi.advanceTimersByTimeAsync(0);
    expect(JSON.parse(ws.sent.at(-1) ?? '')).toEqual(['DISCONNECT\nreceipt:close-0\n\n\u0000']);
    ws.frame('a' + JSON.stringify(['RECEIPT\nreceipt-id:close-0\n\n\u0000']));
    await vi.advanceTimersByTimeAsync(0);
    await deactivated;
    expect(ws.closed).toBe(true);
    expect(sockets[0]?.readyState).toBe(SockwireSocket.CLOSED);
  });
});
