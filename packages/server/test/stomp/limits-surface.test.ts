import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { accepts } from '@sockwire/test-support/ports';
import { afterEach, describe, expect, it } from 'vitest';
import { createStompBroker, type StompBroker, type StompBrokerOptions } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient } from './support/raw-client.js';
import { tcpTarget } from './support/targets.js';
import { header, wire } from './support/test-client.js';

/*
 * The broker's documented per-session limits and identity (packages/server/src/stomp/README.md, "Options and
 * defaults") and listenTcp's `host`/`backlog`, end to end: a real broker behind a real TCP listener, spoken to
 * in raw frames over real sockets.
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

async function start(options: StompBrokerOptions = {}) {
  const broker = createStompBroker(options);
  const tcp = await listenTcp({ broker, port: 0 });
  running.push({ broker, tcp });
  const target = tcpTarget('limits', tcp.port);
  /** A new TCP client that has CONNECTed (heart-beats off), with the CONNECTED frame. */
  const connect = async () => {
    const client = await target.open();
    clients.push(client);
    client.send(wire('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' }));
    const connected = await frame(client, 'CONNECTED');
    return { client, connected };
  };
  return { broker, tcp, connect };
}

/** The next frame, which must be `command` (an ERROR's body shows in the failure). */
async function frame(client: RawClient, command: string) {
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) {
    throw new Error(`expected ${command}, got ${got === CLOSED ? 'the end of the connection' : 'nothing'}`);
  }
  expect(`${got.command} ${got.command === 'ERROR' ? got.body : ''}`.trim()).toBe(command);
  return got;
}

/** Send `command` with a receipt and wait for that RECEIPT. */
async function receipted(client: RawClient, command: string, headers: Record<string, string>, body = '') {
  const receipt = `r-${command}-${Object.values(headers).join('-')}`;
  client.send(wire(command, { ...headers, receipt }, body));
  expect(header(await frame(client, 'RECEIPT'), 'receipt-id')).toBe(receipt);
}

/** Send `command`, expect ERROR `message` then the end of the connection; returns the ERROR's body. */
async function refused(client: RawClient, text: string, message: string): Promise<string> {
  client.send(text);
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) throw new Error(`expected ERROR ${message}, got no frame`);
  expect([got.command, header(got, 'message')]).toEqual(['ERROR', message]);
  expect(await client.next(5000)).toBe(CLOSED);
  return got.body;
}

describe('STOMP broker limits and serverName, over real TCP (listenTcp)', () => {
  it('maxSubscriptions: counts open subscriptions per session; one more is refused with ERROR and a close', async () => {
    const { broker, connect } = await start({ maxSubscriptions: 2 });
    const { client } = await connect();
    await receipted(client, 'SUBSCRIBE', { id: 's1', destination: '/topic/a' });
    await receipted(client, 'SUBSCRIBE', { id: 's2', destination: '/topic/b' });
    await receipted(client, 'UNSUBSCRIBE', { id: 's1' });
    await receipted(client, 'SUBSCRIBE', { id: 's3', destination: '/topic/c' });
    // Another session has its own allowance.
    const other = (await connect()).client;
    await receipted(other, 'SUBSCRIBE', { id: 'o1', destination: '/topic/a' });
    await receipted(other, 'SUBSCRIBE', { id: 'o2', destination: '/topic/b' });
    const body = await refused(
      client,
      wire('SUBSCRIBE', { id: 's4', destination: '/topic/d' }),
      'Too many subscriptions',
    );
    expect(body).toBe('a session may have at most 2 subscriptions');
    expect(broker.stats().errors.limit).toBe(1);
    // The other session is still served.
    await receipted(other, 'UNSUBSCRIBE', { id: 'o2' });
  });

  it('transactions.maxOpen: counts open transactions per session; committing one makes room', async () => {
    const { broker, connect } = await start({ transactions: { maxOpen: 2 } });
    const { client } = await connect();
    await receipted(client, 'BEGIN', { transaction: 'a' });
    await receipted(client, 'BEGIN', { transaction: 'b' });
    await receipted(client, 'COMMIT', { transaction: 'a' });
    await receipted(client, 'BEGIN', { transaction: 'c' });
    const body = await refused(client, wire('BEGIN', { transaction: 'd' }), 'Too many transactions');
    expect(body).toBe('at most 2 transactions may be open at once');
    expect(broker.stats().errors.limit).toBe(1);
  });

  it('transactions.maxFrames: a transaction of exactly that many frames commits; one more frame is refused and nothing of it is delivered', async () => {
    const { connect } = await start({ transactions: { maxFrames: 3 } });
    const listener = (await connect()).client;
    await receipted(listener, 'SUBSCRIBE', { id: 'l', destination: '/topic/tx' });
    const { client } = await connect();
    await receipted(client, 'BEGIN', { transaction: 't1' });
    for (const n of [1, 2, 3])
      client.send(wire('SEND', { destination: '/topic/tx', transaction: 't1' }, `t1-${n}`));
    await receipted(client, 'COMMIT', { transaction: 't1' });
    for (const n of [1, 2, 3]) expect((await frame(listener, 'MESSAGE')).body).toBe(`t1-${n}`);

    await receipted(client, 'BEGIN', { transaction: 't2' });
    for (const n of [1, 2, 3])
      client.send(wire('SEND', { destination: '/topic/tx', transaction: 't2' }, `t2-${n}`));
    const body = await refused(
      client,
      wire('SEND', { destination: '/topic/tx', transaction: 't2' }, 't2-4'),
      'Transaction too large',
    );
    expect(body).toBe('a transaction may hold at most 3 frames');
    // Anything of t2 reaching the listener would come before this marker on its connection.
    listener.send(wire('SEND', { destination: '/topic/tx' }, 'marker'));
    expect((await frame(listener, 'MESSAGE')).body).toBe('marker');
  });

  it('the documented defaults: 256 subscriptions, 16 open transactions, 1000 frames per transaction', async () => {
    const { connect } = await start();
    const subs = (await connect()).client;
    let text = '';
    for (let i = 1; i < 256; i++) text += wire('SUBSCRIBE', { id: `s${i}`, destination: `/topic/d${i}` });
    subs.send(text);
    await receipted(subs, 'SUBSCRIBE', { id: 's256', destination: '/topic/d256' });
    expect(
      await refused(
        subs,
        wire('SUBSCRIBE', { id: 's257', destination: '/topic/x' }),
        'Too many subscriptions',
      ),
    ).toBe('a session may have at most 256 subscriptions');

    const opens = (await connect()).client;
    text = '';
    for (let i = 1; i < 16; i++) text += wire('BEGIN', { transaction: `t${i}` });
    opens.send(text);
    await receipted(opens, 'BEGIN', { transaction: 't16' });
    expect(await refused(opens, wire('BEGIN', { transaction: 't17' }), 'Too many transactions')).toBe(
      'at most 16 transactions may be open at once',
    );

    const big = (await connect()).client;
    text = wire('BEGIN', { transaction: 'big' });
    for (let i = 1; i <= 1000; i++)
      text += wire('SEND', { destination: '/topic/big', transaction: 'big' }, `${i}`);
    big.send(text);
    await receipted(big, 'ABORT', { transaction: 'big' });
    await receipted(big, 'BEGIN', { transaction: 'big2' });
    text = '';
    for (let i = 1; i <= 1000; i++)
      text += wire('SEND', { destination: '/topic/big', transaction: 'big2' }, `${i}`);
    big.send(text);
    expect(
      await refused(
        big,
        wire('SEND', { destination: '/topic/big', transaction: 'big2' }, 'x'),
        'Transaction too large',
      ),
    ).toBe('a transaction may hold at most 1000 frames');
  });

  it('serverName is the CONNECTED frame’s server header; by default Sockwire/0.1.0', async () => {
    const named = await start({ serverName: 'Chat/2.3' });
    expect(header((await named.connect()).connected, 'server')).toBe('Chat/2.3');
    const plain = await start();
    expect(header((await plain.connect()).connected, 'server')).toBe('Sockwire/0.1.0');
  });
});

/** The accept queue size the kernel reports for the listening socket on 127.0.0.1:port or 0.0.0.0:port. */
function listenQueue(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`])
    .toString()
    .trim();
  // State, Recv-Q, Send-Q (the backlog, for a listening socket), local address, peer address.
  const [state, , sendQ] = line.split(/\s+/);
  expect(state).toBe('LISTEN');
  return Number(sendQ);
}

describe('listenTcp host and backlog (real sockets)', () => {
  it('listens on 127.0.0.1 by default and nowhere else: 127.0.0.2 is refused, as it is not by 0.0.0.0', async () => {
    const broker = createStompBroker();
    const local = await listenTcp({ broker, port: 0 });
    const wide = await listenTcp({ broker, port: 0, host: '0.0.0.0' });
    running.push({ broker, tcp: local }, { broker, tcp: wide });
    expect([local.host, local.url, local.server.address()]).toEqual([
      '127.0.0.1',
      `tcp://127.0.0.1:${local.port}`,
      { address: '127.0.0.1', family: 'IPv4', port: local.port },
    ]);
    expect(await accepts('127.0.0.1', local.port)).toBe(true);
    expect(await accepts('127.0.0.2', local.port)).toBe(false);
    expect(await accepts('127.0.0.2', wide.port)).toBe(true);
  });

  it('passes backlog to listen(), 4096 by default (as the kernel reports the listening socket)', async () => {
    const broker = createStompBroker();
    const small = await listenTcp({ broker, port: 0, backlog: 7 });
    const plain = await listenTcp({ broker, port: 0 });
    running.push({ broker, tcp: small }, { broker, tcp: plain });
    expect(listenQueue(small.port)).toBe(7);
    // The kernel caps a backlog at net.core.somaxconn.
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(listenQueue(plain.port)).toBe(Math.min(4096, somaxconn));
  });
});
