import { afterEach, describe, expect, it } from 'vitest';
import { createStompBroker, type StompBroker } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient } from './support/raw-client.js';
import { tcpTarget } from './support/targets.js';
import { header, wire } from './support/test-client.js';

/*
 * Security issue 14: listenTcp accepted any number of connections. maxConnections (default 10 000) caps the
 * connections open at once; past it a new socket gets ERROR `Too many connections` naming the option, then
 * a close, instead of a STOMP session. A connection stops counting once its socket has closed. Real sockets.
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

async function start(maxConnections: number) {
  const broker = createStompBroker();
  const tcp = await listenTcp({ broker, port: 0, maxConnections });
  running.push({ broker, tcp });
  const open = async () => {
    const client = await tcpTarget('capped', tcp.port).open();
    clients.push(client);
    return client;
  };
  /** Resolves once the broker saw a session end: its connection's socket has closed, and stopped counting. */
  const disconnected = () =>
    new Promise<void>((resolve) => {
      const off = broker.on('disconnected', () => {
        off();
        resolve();
      });
    });
  return { broker, open, disconnected };
}

async function next(client: RawClient): Promise<string> {
  const got = await client.next(5000);
  if (got === undefined) return 'nothing';
  if (got === CLOSED) return 'closed';
  return got.command === 'ERROR' ? `ERROR ${header(got, 'message')}: ${got.body}` : got.command;
}

async function connect(client: RawClient): Promise<string> {
  client.send(wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0' }));
  return next(client);
}

const REFUSED =
  "ERROR Too many connections: this server accepts at most 2 STOMP connections over TCP at once (listenTcp's " +
  'maxConnections); try again later';

describe('listenTcp maxConnections', () => {
  it('past the cap a connection gets the ERROR naming maxConnections, then the close; a closed one frees its place', async () => {
    const { broker, open, disconnected } = await start(2);
    const first = await open();
    const second = await open();
    expect(await connect(first)).toBe('CONNECTED');
    expect(await connect(second)).toBe('CONNECTED');

    const third = await open();
    expect(await next(third)).toBe(REFUSED);
    expect(await next(third)).toBe('closed');
    // A CONNECT sent anyway, before the client read the ERROR, changes nothing.
    const eager = await open();
    eager.send(wire('CONNECT', { 'accept-version': '1.2' }));
    expect([await next(eager), await next(eager)]).toEqual([REFUSED, 'closed']);
    expect(broker.sessions()).toHaveLength(2);

    // The session ends once the server saw the socket close, and the count went down before that.
    const gone = disconnected();
    first.drop();
    await gone;
    const fourth = await open();
    expect(await connect(fourth)).toBe('CONNECTED');

    // Refused connections never counted: two open again, so the next one is refused.
    const fifth = await open();
    expect([await next(fifth), await next(fifth)]).toEqual([REFUSED, 'closed']);
    second.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/still-here', receipt: 'r' }));
    expect(await next(second)).toBe('RECEIPT');
  });

  it('a client that disconnects cleanly frees its place too', async () => {
    const { open, disconnected } = await start(1);
    const first = await open();
    expect(await connect(first)).toBe('CONNECTED');
    const gone = disconnected();
    first.send(wire('DISCONNECT', { receipt: 'bye' }));
    expect([await next(first), await next(first)]).toEqual(['RECEIPT', 'closed']);
    await gone;
    expect(await connect(await open())).toBe('CONNECTED');
  });

  it('refuses a cap that is not a positive integer', async () => {
    const broker = createStompBroker();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(listenTcp({ broker, port: 0, maxConnections: bad })).rejects.toThrow(
        /listenTcp maxConnections must be a positive integer or Infinity/,
      );
    }
    await broker.close();
  });
});
