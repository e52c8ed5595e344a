import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type SockwireServer } from '../../src/index.js';
import { chooseStompSubprotocol, createStompBroker } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient } from './support/raw-client.js';
import { type Target, tcpTarget, webSocketTarget } from './support/targets.js';
import { header, wire } from './support/test-client.js';

/*
 * A STOMP frame past the limits gets an ERROR naming the limit over the raw WebSocket endpoint too. Before, a
 * WebSocket message over the server's maxMessageSize (1 MiB) was closed by ws with 1009 before the STOMP
 * parser saw a byte, while the same frame over TCP got the parser's ERROR. The raw endpoint now reads
 * messages up to 4 × maxMessageSize for the STOMP layer, whose parser refuses the frame as over TCP; past that
 * hard cap ws still closes with 1009.
 */

const MiB = 1024 * 1024;
const broker = createStompBroker();
let sockjs: SockwireServer;
let http: Server;
let tcp: StompTcpServer;
let raw: Target;
let overTcp: Target;
const opened: RawClient[] = [];

beforeAll(async () => {
  sockjs = createServer({
    prefix: '/stomp',
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  http = createHttpServer();
  sockjs.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  raw = webSocketTarget('raw websocket', rawUrl());
  tcp = await listenTcp({ broker, port: 0 });
  overTcp = tcpTarget('tcp', tcp.port);
});

afterAll(async () => {
  for (const client of opened) client.drop();
  await broker.close();
  await tcp.close();
  sockjs.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

async function connected(target: Target): Promise<RawClient> {
  const client = await target.open();
  opened.push(client);
  client.send(wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0' }));
  const got = await client.next(5000);
  expect(got !== undefined && got !== CLOSED ? got.command : got).toBe('CONNECTED');
  return client;
}

/** What `text` earns a connected client: its ERROR's message and body, and whether the connection then ended. */
async function answer(target: Target, text: string) {
  const client = await connected(target);
  client.send(text);
  const got = await client.next(10_000);
  if (got === undefined || got === CLOSED) return { error: got === CLOSED ? 'closed' : 'nothing' };
  return {
    error: `${got.command} ${header(got, 'message')}: ${got.body}`,
    closed: (await client.next(10_000)) === CLOSED,
  };
}

describe('oversized STOMP frames over the raw WebSocket endpoint (maxMessageSize 1 MiB)', () => {
  const cases = [
    {
      name: 'a 2 MiB body',
      text: wire('SEND', { destination: '/topic/big' }, 'b'.repeat(2 * MiB)),
      error: 'ERROR Body too large: a frame body may be at most 65536 octets',
    },
    {
      name: 'a 3 MiB header line',
      text: wire('SEND', { destination: '/topic/big', 'x-huge': 'h'.repeat(3 * MiB) }),
      error: 'ERROR Header line too long: a command or header line may be at most 8192 characters',
    },
  ];
  for (const { name, text, error } of cases) {
    it(`${name}: the ERROR naming the STOMP limit, then the close, as over TCP`, async () => {
      expect(Buffer.byteLength(text)).toBeGreaterThan(MiB);
      const viaTcp = await answer(overTcp, text);
      expect(viaTcp).toEqual({ error, closed: true });
      expect(await answer(raw, text)).toEqual(viaTcp);
    });
  }

  it('past the hard cap (4 × maxMessageSize) ws still closes with 1009, without an ERROR', async () => {
    const socket = new WebSocket(rawUrl(), ['v12.stomp']);
    const frames: string[] = [];
    socket.on('message', (data: Buffer) => frames.push(data.toString('utf8')));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0' }));
    await expect.poll(() => frames.length).toBe(1);
    const closed = new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)));
    socket.send(wire('SEND', { destination: '/topic/big' }, 'c'.repeat(4 * MiB + 1)));
    expect(await closed).toBe(1009);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatch(/^CONNECTED\n/);
  });
});

function rawUrl(): string {
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}/stomp/websocket`;
}
