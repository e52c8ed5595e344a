import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createServer,
  createStompBroker,
  type SockwireServer,
  STOMP_SUBPROTOCOLS,
  type StompBroker,
} from '@sockwire/server';
import { nodeEnv } from '@sockwire/test-support/node-env';
import { afterEach, describe, expect, it } from 'vitest';
import { createStompClient, type IMessage, type SockwireStompClient } from '../src/stomp.js';

/** Our SockJS server with the embedded STOMP broker, on a free port; restartable on the same port. */
class StompServer {
  http: Server | null = null;
  sockjs: SockwireServer | null = null;
  broker: StompBroker | null = null;
  port = 0;

  async start(): Promise<this> {
    this.http = createHttpServer();
    this.sockjs = createServer({
      prefix: '/stomp',
      allowedOrigins: '*',
      webSocketProtocols: STOMP_SUBPROTOCOLS,
      disconnectDelay: 500,
    });
    this.broker = createStompBroker();
    const broker = this.broker;
    broker.onMessage('/echo/{name}', (context) => `hello ${context.params.name}: ${context.body}`);
    this.sockjs.on('connection', (connection) => broker.handleConnection(connection));
    this.sockjs.installHandlers(this.http);
    this.http.listen(this.port, '127.0.0.1');
    await once(this.http, 'listening');
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/stomp`;
  }

  async stop(): Promise<void> {
    this.sockjs?.close();
    await this.broker?.close();
    this.http?.closeAllConnections();
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
    this.http = null;
  }
}

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
let server: StompServer | null = null;
let clients: SockwireStompClient[] = [];

afterEach(async () => {
  for (const client of clients) await client.deactivate();
  clients = [];
  await server?.stop();
  server = null;
});

function client(url: string, transport: string, extra: Parameters<typeof createStompClient>[1] = {}) {
  const c = createStompClient(url, {
    socket: { ...nodeEnv, transports: [transport as (typeof TRANSPORTS)[number]] },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    minDelay: 50,
    maxDelay: 200,
    ...extra,
  });
  clients.push(c);
  return c;
}

function nextMessage(): { take: (message: IMessage) => void; next: () => Promise<IMessage> } {
  const queue: IMessage[] = [];
  const waiters: Array<(message: IMessage) => void> = [];
  return {
    take: (message) => {
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    },
    next: () =>
      new Promise((resolve) => {
        const message = queue.shift();
        if (message) resolve(message);
        else waiters.push(resolve);
      }),
  };
}

const connected = (c: SockwireStompClient) =>
  new Promise<void>((resolve) => {
    c.onConnect = () => resolve();
  });

describe.each(TRANSPORTS)('createStompClient over %s against the embedded broker', (transport) => {
  it('subscribes before connecting, publishes JSON and reaches application handlers', async () => {
    server = await new StompServer().start();
    const c = client(server.url, transport);
    const topic = nextMessage();
    c.subscribeJson<{ n: number; text: string }>('/topic/news', (value, message) => {
      expect(message.headers.destination).toBe('/topic/news');
      topic.take({ ...message, body: JSON.stringify(value) } as IMessage);
    });
    const app = nextMessage();
    c.subscribe('/topic/echo/ana', app.take);
    const ready = connected(c);
    c.activate();
    await ready;
    const receipt = new Promise<void>((resolve) => c.watchForReceipt('r1', () => resolve()));
    c.publishJson('/topic/news', { n: 1, text: 'héllo ✓' }, { receipt: 'r1' });
    await receipt;
    expect(JSON.parse((await topic.next()).body)).toEqual({ n: 1, text: 'héllo ✓' });
    c.publish({ destination: '/app/echo/ana', body: 'hi' });
    expect((await app.next()).body).toBe('hello ana: hi');
  });

  it('restores subscriptions after the server restarts', async () => {
    server = await new StompServer().start();
    const scheduled: number[] = [];
    const c = client(server.url, transport, { onReconnectScheduled: (delay) => scheduled.push(delay) });
    const topic = nextMessage();
    const sub = c.subscribe('/topic/room', topic.take);
    let connects = 0;
    let reconnected: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      c.onConnect = () => {
        connects += 1;
        if (connects === 1) resolve();
        else reconnected();
      };
    });
    c.activate();
    await first;
    c.publish({ destination: '/topic/room', body: 'before' });
    expect((await topic.next()).body).toBe('before');
    const again = new Promise<void>((resolve) => {
      reconnected = resolve;
    });
    await server.stop();
    await server.start();
    await again;
    expect(scheduled.length).toBeGreaterThan(0);
    for (const delay of scheduled) expect(delay).toBeLessThanOrEqual(200);
    c.publish({ destination: '/topic/room', body: 'after' });
    expect((await topic.next()).body).toBe('after');
    sub.unsubscribe();
  });
});

describe('createStompClient', () => {
  it('reports bodies that are not JSON instead of dropping them silently', async () => {
    server = await new StompServer().start();
    const errors: string[] = [];
    const c = client(server.url, 'websocket', {
      onJsonError: (error, message) => errors.push(`${message.body}|${error.name}`),
    });
    c.subscribeJson('/topic/json', () => {
      throw new Error('must not be called');
    });
    const ready = connected(c);
    c.activate();
    await ready;
    const receipt = new Promise<void>((resolve) => c.watchForReceipt('r', () => resolve()));
    c.publish({ destination: '/topic/json', body: 'not json', headers: { receipt: 'r' } });
    await receipt;
    await expect.poll(() => errors).toEqual(['not json|SyntaxError']);
  });

  it('stops restoring a subscription once unsubscribed: after a reconnect only the others come back', async () => {
    server = await new StompServer().start();
    const c = client(server.url, 'websocket');
    const dropped: string[] = [];
    const sub = c.subscribe('/topic/dropped', (message) => dropped.push(message.body));
    const kept = nextMessage();
    c.subscribe('/topic/kept', kept.take);
    let connects = 0;
    let reconnected: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      c.onConnect = () => {
        connects += 1;
        if (connects === 1) resolve();
        else reconnected();
      };
    });
    c.activate();
    await first;
    c.publish({ destination: '/topic/dropped', body: 'before' });
    await expect.poll(() => dropped).toEqual(['before']);
    sub.unsubscribe();
    const unsubscribed = new Promise<void>((resolve) => c.watchForReceipt('r0', () => resolve()));
    c.publish({ destination: '/topic/dropped', body: 'while connected', headers: { receipt: 'r0' } });
    await unsubscribed;
    expect(dropped).toEqual(['before']);

    const again = new Promise<void>((resolve) => {
      reconnected = resolve;
    });
    await server.stop();
    await server.start();
    await again;
    expect(connects).toBe(2);
    // The broker handles a session's frames in order: had /topic/dropped been re-subscribed, its message
    // would arrive before the one on /topic/kept.
    c.publish({ destination: '/topic/dropped', body: 'after reconnect' });
    c.publish({ destination: '/topic/kept', body: 'after reconnect' });
    expect((await kept.next()).body).toBe('after reconnect');
    expect(dropped).toEqual(['before']);
    const stats = server.broker?.stats();
    expect(stats?.sessions.open).toBe(1);
    expect(stats?.framesIn).toEqual({ CONNECT: 1, SUBSCRIBE: 1, SEND: 2 });
    expect(stats?.broker).toMatchObject({ destinations: 1, consumers: 1, published: 2, delivered: 1 });
  });
});
