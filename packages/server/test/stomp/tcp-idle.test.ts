import { ManualClock } from '@sockwire/test-support/manual-clock';
import { afterEach, describe, expect, it } from 'vitest';
import { createStompBroker, type StompBroker, type StompBrokerEvents } from '../../src/stomp/index.js';
import { type ListenTcpOptions, listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient } from './support/raw-client.js';
import { tcpTarget } from './support/targets.js';
import { header, wire } from './support/test-client.js';

/*
 * Security: a TCP STOMP session that negotiated `heart-beat:0,0` used to live forever, silent, holding its
 * socket and session. listenTcp's idleTimeout (default 5 minutes) now ends a connection silent both ways for
 * that long, with ERROR `Idle timeout`, unless heart-beats were negotiated. Real sockets; the TCP listener's
 * timers are a hand-moved clock, so nothing waits for real time.
 */

const running: Array<{ broker: StompBroker; tcp: StompTcpServer }> = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.drop();
  for (const { broker, tcp } of running.splice(0)) {
    await broker.close();
    await tcp.close();
  }
});

async function start(options: Partial<ListenTcpOptions> = {}) {
  const clock = new ManualClock();
  const broker = createStompBroker();
  const tcp = await listenTcp({ broker, port: 0, timers: clock, ...options });
  running.push({ broker, tcp });
  const disconnected: Array<StompBrokerEvents['disconnected']> = [];
  broker.on('disconnected', (event) => disconnected.push(event));
  /** A TCP client that CONNECTed asking for `heartBeat`. */
  const connect = async (heartBeat: string) => {
    const client = await tcpTarget('idle', tcp.port).open();
    clients.push(client);
    client.send(wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': heartBeat }));
    expect((await next(client)).command).toBe('CONNECTED');
    return client;
  };
  return { clock, broker, connect, disconnected };
}

async function next(client: RawClient) {
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) throw new Error(`expected a frame, got ${String(got)}`);
  return got;
}

/** A frame with a receipt, answered: the connection was open and both sides just spoke. */
async function ping(client: RawClient, id: string) {
  client.send(wire('SUBSCRIBE', { id, destination: `/topic/${id}`, receipt: id }));
  const got = await next(client);
  expect([got.command, header(got, 'receipt-id')]).toEqual(['RECEIPT', id]);
}

describe('listenTcp idleTimeout', () => {
  it('heart-beat:0,0: silent both ways for 5 minutes ends in ERROR "Idle timeout" and a close; any frame starts it over', async () => {
    const { clock, connect, disconnected } = await start();
    const client = await connect('0,0');
    clock.advance(299_999);
    await ping(client, 'a');
    // 599 998 ms since CONNECT, but never 300 000 of silence.
    clock.advance(299_999);
    await ping(client, 'b');
    clock.advance(300_000);
    const error = await next(client);
    expect([error.command, header(error, 'message')]).toEqual(['ERROR', 'Idle timeout']);
    expect(error.body).toBe(
      "nothing was sent or received for 300000 ms and no heart-beats were negotiated (listenTcp's " +
        'idleTimeout); ask for heart-beats in CONNECT to keep a quiet connection open',
    );
    expect(await client.next(5000)).toBe(CLOSED);
    await expect.poll(() => disconnected.length).toBe(1);
    expect(disconnected[0]).toMatchObject({ code: 1001, reason: 'Idle timeout' });
  });

  it('stands down once heart-beats are negotiated (they watch the connection instead)', async () => {
    const { clock, connect } = await start();
    // The server heart-beats to this client (every 10 s, on the broker's own clock): never silent.
    const client = await connect('0,10000');
    clock.advance(3_600_000);
    await ping(client, 'still-here');
  });

  it('takes the configured value, and 0 turns it off', async () => {
    const short = await start({ idleTimeout: 1000 });
    const quick = await short.connect('0,0');
    short.clock.advance(1000);
    expect((await next(quick)).body).toMatch(/^nothing was sent or received for 1000 ms/);

    const off = await start({ idleTimeout: 0 });
    const patient = await off.connect('0,0');
    off.clock.advance(24 * 3_600_000);
    await ping(patient, 'after-a-day');
  });

  it('must be a non-negative number of milliseconds', async () => {
    await expect(listenTcp({ broker: createStompBroker(), port: 0, idleTimeout: -1 })).rejects.toThrow(
      /idleTimeout must be a non-negative number of milliseconds, got -1/,
    );
  });
});
