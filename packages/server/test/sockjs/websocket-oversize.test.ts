import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type SockwireServer } from '../../src/index.js';
import { chooseStompSubprotocol, createStompBroker } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient } from '../stomp/support/raw-client.js';
import { sockjsWebSocketTarget, type Target, tcpTarget, webSocketTarget } from '../stomp/support/targets.js';
import { header, wire } from '../stomp/support/test-client.js';

/*
 * Security issue 14, limits that answer badly: a SockJS WebSocket message over maxMessageSize was closed by
 * ws with 1009 before the STOMP layer could say why, while the same frame over TCP or the raw WebSocket
 * endpoint got an ERROR naming the STOMP limit it passed. The SockJS WebSocket now reads up to the same hard
 * cap as the raw endpoint (4 × maxMessageSize) and hands a STOMP session every message: its parser refuses
 * the frame with the ERROR, then the session closes. Without STOMP on top, maxMessageSize still closes with
 * 1009. Real sockets: ws clients speaking SockJS framing, raw WebSocket and TCP.
 */

const KiB = 1024;
/** maxMessageSize, and the STOMP body limit: a frame body at the limit makes a SockJS message over it. */
const LIMIT = 16 * KiB;
const BODY_TOO_LARGE = `ERROR Body too large: a frame body may be at most ${LIMIT} octets`;

const broker = createStompBroker({ limits: { maxBodyBytes: LIMIT } });
let stomp: SockwireServer;
let echo: SockwireServer;
let http: Server;
let tcp: StompTcpServer;
const targets: Record<'sockjs' | 'raw' | 'tcp', Target> = {} as never;
const opened: RawClient[] = [];

beforeAll(async () => {
  stomp = createServer({
    prefix: '/stomp',
    maxMessageSize: LIMIT,
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  stomp.on('connection', (connection) => broker.handleConnection(connection));
  echo = createServer({ prefix: '/echo', maxMessageSize: LIMIT });
  echo.on('connection', (connection) => connection.on('data', (message) => connection.write(message)));
  http = createHttpServer();
  stomp.installHandlers(http);
  echo.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  tcp = await listenTcp({ broker, port: 0 });
  targets.sockjs = sockjsWebSocketTarget('sockjs websocket', `${base()}/stomp`);
  targets.raw = webSocketTarget('raw websocket', `${base()}/stomp/websocket`);
  targets.tcp = tcpTarget('tcp', tcp.port);
});

afterAll(async () => {
  for (const client of opened) client.drop();
  await broker.close();
  await tcp.close();
  stomp.close();
  echo.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

function base(): string {
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function next(client: RawClient): Promise<string> {
  const got = await client.next(5000);
  if (got === undefined) return 'nothing';
  if (got === CLOSED) return 'closed';
  return got.command === 'ERROR' ? `ERROR ${header(got, 'message')}: ${got.body}` : got.command;
}

async function connected(target: Target): Promise<RawClient> {
  const client = await target.open();
  opened.push(client);
  client.send(wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0' }));
  expect(await next(client)).toBe('CONNECTED');
  return client;
}

/** The SockJS WebSocket message that carries `frame`, as the target sends it. */
const sockjsMessageBytes = (frame: string) => Buffer.byteLength(JSON.stringify([frame]));

describe(`a STOMP frame over the SockJS WebSocket past maxMessageSize (${LIMIT} bytes)`, () => {
  it('gets the ERROR naming the STOMP limit it passed, then the close, as over TCP and the raw endpoint', async () => {
    const frame = wire('SEND', { destination: '/topic/big' }, 'b'.repeat(LIMIT + 1));
    expect(sockjsMessageBytes(frame)).toBeGreaterThan(LIMIT);
    for (const name of ['sockjs', 'raw', 'tcp'] as const) {
      const client = await connected(targets[name]);
      client.send(frame);
      expect({ name, error: await next(client), after: await next(client) }).toEqual({
        name,
        error: BODY_TOO_LARGE,
        after: 'closed',
      });
    }
  });

  it('a frame within the STOMP limits still passes, even where its SockJS message is over maxMessageSize', async () => {
    const subscriber = await connected(targets.sockjs);
    subscriber.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/fits', receipt: 'r' }));
    expect(await next(subscriber)).toBe('RECEIPT');
    const publisher = await connected(targets.sockjs);
    const under = wire('SEND', { destination: '/topic/fits', receipt: 'under' }, 'u'.repeat(LIMIT - 200));
    const atLimit = wire('SEND', { destination: '/topic/fits', receipt: 'at' }, 'a'.repeat(LIMIT));
    expect(sockjsMessageBytes(under)).toBeLessThan(LIMIT);
    expect(sockjsMessageBytes(atLimit)).toBeGreaterThan(LIMIT);
    for (const frame of [under, atLimit]) {
      publisher.send(frame);
      expect(await next(publisher)).toBe('RECEIPT');
      const got = await subscriber.next(5000);
      expect(got !== undefined && got !== CLOSED && [got.command, got.body.length]).toEqual([
        'MESSAGE',
        frame === under ? LIMIT - 200 : LIMIT,
      ]);
    }
  });

  it('past the hard cap (4 × maxMessageSize) ws still closes with 1009, without an ERROR', async () => {
    const socket = new WebSocket(`${base()}/stomp/000/hard-cap-1/websocket`, ['v12.stomp']);
    const frames: string[] = [];
    socket.on('message', (data: Buffer) => frames.push(data.toString('utf8')));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify([wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0' })]));
    await expect.poll(() => frames.length).toBe(2);
    const closed = new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)));
    socket.send(JSON.stringify([wire('SEND', { destination: '/topic/big' }, 'c'.repeat(4 * LIMIT))]));
    expect(await closed).toBe(1009);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toBe('o');
    expect(frames[1]).toMatch(/^a\["CONNECTED\\n/);
  });
});

describe('without STOMP on top', () => {
  it('a SockJS WebSocket message over maxMessageSize still closes with 1009; one at the limit is echoed', async () => {
    const socket = new WebSocket(`${base()}/echo/000/plain-echo/websocket`);
    const frames: string[] = [];
    socket.on('message', (data: Buffer) => frames.push(data.toString('utf8')));
    await new Promise((resolve) => socket.once('open', resolve));
    const fits = JSON.stringify(['f'.repeat(LIMIT - 4)]);
    expect(Buffer.byteLength(fits)).toBe(LIMIT);
    socket.send(fits);
    await expect.poll(() => frames.length).toBe(2);
    expect(frames[1]).toBe(`a${fits}`);
    const closed = new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)));
    socket.send(JSON.stringify(['z'.repeat(LIMIT)]));
    expect(await closed).toBe(1009);
    expect(frames).toHaveLength(2);
  });
});
