import net from 'node:net';
import { ManualClock } from '@sockwire/test-support/manual-clock';
import { afterEach, describe, expect, it } from 'vitest';
import type { CloseInfo } from '../../src/connection.js';
import { createStompBroker, type StompBroker, type StompBrokerEvents } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer, TcpConnection } from '../../src/tcp/index.js';
import { wire } from '../stomp/support/test-client.js';

/*
 * STOMP over TCP has the outbound limit the SockJS transports have (maxBufferedBytes): a client that stops
 * reading while messages keep coming is closed, reported as 2012 "Buffer overflow", instead of growing the
 * server's memory without bound. It finds an ERROR naming the limit behind what it had not read, as a raw
 * WebSocket client finds its close frame. Real sockets and a real STOMP broker; the listener's timers are a
 * hand-moved clock, so the close timeout never drops the socket before the client reads again.
 */

const HIGH_WATER_MARK = 16 * 1024;
const MAX_BUFFERED = 256 * 1024;
const CHUNK = 'x'.repeat(32 * 1024);
/** Enough turns to fill any loopback socket buffer many times over. */
const MAX_TURNS = 2000;

const running: Array<{ broker: StompBroker; tcp: StompTcpServer; socket: net.Socket }> = [];

afterEach(async () => {
  for (const { broker, tcp, socket } of running.splice(0)) {
    socket.destroy();
    await broker.close();
    await tcp.close();
  }
});

/** A broker whose own slow-consumer rule stands far back, so that the transport's limit is what a client meets. */
async function start() {
  const broker = createStompBroker({
    slowConsumer: { maxBufferedBytes: 1 << 30, sendTimeLimit: 3_600_000 },
  });
  const connections: TcpConnection[] = [];
  const tcp = await listenTcp({
    broker: {
      handleConnection: (connection) => {
        if (connection instanceof TcpConnection) connections.push(connection);
        broker.handleConnection(connection);
      },
    },
    port: 0,
    timers: new ManualClock(),
    highWaterMark: HIGH_WATER_MARK,
    maxBufferedBytes: MAX_BUFFERED,
  });
  const disconnected: Array<StompBrokerEvents['disconnected']> = [];
  broker.on('disconnected', (event) => disconnected.push(event));
  const socket = net.connect(tcp.port, '127.0.0.1');
  running.push({ broker, tcp, socket });
  socket.on('error', () => {});
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  await new Promise((resolve) => socket.once('connect', resolve));
  const text = () => Buffer.concat(received).toString('utf8');
  socket.write(wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0' }));
  socket.write(wire('SUBSCRIBE', { id: 's', destination: '/topic/flood', receipt: 'subscribed' }));
  await expect.poll(text).toContain('receipt-id:subscribed');
  const connection = connections[0];
  if (connection === undefined) throw new Error('listenTcp handed over no TcpConnection');
  return { broker, connection, socket, text, disconnected };
}

describe('listenTcp maxBufferedBytes', () => {
  it('a client that does not read is closed: ERROR "Buffer overflow" naming the limit, then 2012 "Buffer overflow"', async () => {
    const { broker, connection, socket, text, disconnected } = await start();
    const closed = new Promise<CloseInfo>((resolve) => connection.once('close', resolve));
    socket.pause();
    for (let turn = 0; turn < MAX_TURNS && connection.state === 'open'; turn++) {
      for (let i = 0; i < 3; i++) await broker.publish('/topic/flood', CHUNK);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(connection.state).toBe('closing');
    expect(connection.write('more')).toBe(false);
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.resume();
    await ended;
    expect(await closed).toEqual({ code: 2012, reason: 'Buffer overflow', wasClean: true });
    await expect.poll(() => disconnected.length).toBe(1);
    expect(disconnected[0]).toMatchObject({ code: 2012, reason: 'Buffer overflow' });
    // Behind every MESSAGE the client had not read: the ERROR saying why, and nothing after it.
    const frames = text().split('\0');
    expect(frames.pop()).toBe('');
    const last = frames.pop()?.replace(/^\n+/, '');
    expect(last).toMatch(/^ERROR\nmessage:Buffer overflow\n/);
    expect(last).toContain(
      `more than ${MAX_BUFFERED} bytes were waiting to be sent to this client (listenTcp's maxBufferedBytes)`,
    );
    expect(frames.at(-1)).toMatch(/^\n*MESSAGE\n/);
  });

  it('a client that reads is not closed by the same volume', async () => {
    const { broker, connection, text } = await start();
    const total = 2 * (MAX_BUFFERED / CHUNK.length) * 3;
    for (let i = 0; i < total; i++) {
      await broker.publish('/topic/flood', CHUNK);
      if (connection.bufferedAmount >= HIGH_WATER_MARK) {
        await new Promise<void>((resolve) => connection.once('drain', () => resolve()));
      }
    }
    await expect.poll(() => (text().match(/MESSAGE\n/g) ?? []).length).toBe(total);
    expect(connection.state).toBe('open');
  });

  it('refuses a maxBufferedBytes under highWaterMark', async () => {
    const broker = createStompBroker();
    await expect(listenTcp({ broker, port: 0, highWaterMark: 1024, maxBufferedBytes: 512 })).rejects.toThrow(
      /maxBufferedBytes must be at least highWaterMark \(1024\), got 512/,
    );
    await broker.close();
  });
});
