import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SockwireServer } from '../../src/index.js';
import {
  chooseStompSubprotocol,
  createStompBroker,
  message,
  type StompFrame,
  type StompPrincipal,
} from '../../src/stomp/index.js';
import { CLOSED, type RawClient } from './support/raw-client.js';
import { type Target, webSocketTarget } from './support/targets.js';

/*
 * Subscribers read `user-name` on a MESSAGE as the sender's authenticated name (as on CONNECTED), so a
 * client's SEND may not set it: it is stripped like `message-id`. The server's own code (a handler's reply,
 * `publish`) still may. Over a real SockJS server and its raw WebSocket endpoint.
 */

const broker = createStompBroker({
  // `login` names the user, no password: what matters here is who the session is, not how it proved it.
  authenticate: (headers): StompPrincipal | undefined => {
    const login = headers.find(([name]) => name === 'login')?.[1];
    return login === undefined ? undefined : { name: login };
  },
});
broker.onMessage('/sign', (ctx) =>
  message(ctx.body, { 'user-name': ctx.session.principal?.name ?? 'anonymous' }),
);

let sockjs: SockwireServer;
let http: Server;
let target: Target;
beforeAll(async () => {
  sockjs = createServer({
    prefix: '/stomp',
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  http = createHttpServer();
  sockjs.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  target = webSocketTarget(
    'raw websocket',
    `ws://127.0.0.1:${(http.address() as AddressInfo).port}/stomp/websocket`,
  );
});
afterAll(async () => {
  await target.close();
  await broker.close();
  sockjs.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

function wire(command: string, headers: Record<string, string>, body = ''): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}:${value}\n`);
  return `${command}\n${lines.join('')}\n${body}\0`;
}

const headerOf = (frame: StompFrame, name: string) => frame.headers.find(([n]) => n === name)?.[1];

async function nextFrame(client: RawClient): Promise<StompFrame> {
  const received = await client.next(2000);
  if (received === undefined || received === CLOSED) throw new Error(`no frame: ${String(received)}`);
  return received;
}

async function connect(login?: string): Promise<RawClient> {
  const client = await target.open();
  client.send(wire('CONNECT', { 'accept-version': '1.2', ...(login === undefined ? {} : { login }) }));
  const connected = await nextFrame(client);
  expect(connected.command).toBe('CONNECTED');
  return client;
}

async function subscribe(client: RawClient, destination: string): Promise<void> {
  client.send(wire('SUBSCRIBE', { id: destination, destination, receipt: `sub-${destination}` }));
  expect((await nextFrame(client)).command).toBe('RECEIPT');
}

describe('user-name on a SEND', () => {
  it('is stripped from an anonymous client’s message; its own headers pass', async () => {
    const bob = await connect('bob');
    await subscribe(bob, '/topic/anonymous');
    const mallory = await connect();
    mallory.send(
      wire('SEND', { destination: '/topic/anonymous', 'user-name': 'alice', 'x-note': 'hi' }, 'forged'),
    );
    const received = await nextFrame(bob);
    expect([received.command, received.body, headerOf(received, 'x-note')]).toEqual([
      'MESSAGE',
      'forged',
      'hi',
    ]);
    expect(headerOf(received, 'user-name')).toBeUndefined();
    bob.drop();
    mallory.drop();
  });

  it('is stripped from an authenticated client’s message too (the broker does not add the sender)', async () => {
    const bob = await connect('bob');
    await subscribe(bob, '/topic/signed');
    const alice = await connect('alice');
    alice.send(wire('SEND', { destination: '/topic/signed', 'user-name': 'bob' }, 'not bob'));
    const received = await nextFrame(bob);
    expect(received.body).toBe('not bob');
    expect(received.headers.filter(([name]) => name === 'user-name')).toEqual([]);
    bob.drop();
    alice.drop();
  });

  it('may be set by server code: a handler naming the authenticated sender, or publish', async () => {
    const bob = await connect('bob');
    await subscribe(bob, '/topic/sign');
    const alice = await connect('alice');
    alice.send(wire('SEND', { destination: '/app/sign', 'user-name': 'bob' }, 'signed'));
    const signed = await nextFrame(bob);
    expect([signed.body, headerOf(signed, 'user-name')]).toEqual(['signed', 'alice']);
    await broker.publish('/topic/sign', 'from the server', { 'user-name': 'system' });
    const published = await nextFrame(bob);
    expect([published.body, headerOf(published, 'user-name')]).toEqual(['from the server', 'system']);
    bob.drop();
    alice.drop();
  });
});
