import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDedupeStore } from '../../src/index.js';
import { createStompBroker, type StompBroker, type StompBrokerOptions } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient, type Received } from './support/raw-client.js';
import { tcpTarget } from './support/targets.js';
import { header, wire } from './support/test-client.js';

/*
 * SENDs with `x-idempotency-key` are published (or handled) once however often they are re-sent, over real TCP
 * connections: repeats on the same and on other connections, concurrent repeats while the first is in flight,
 * a first attempt that fails, keys of different users.
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
  const target = tcpTarget('dedupe', tcp.port);
  const connect = async (login?: string) => {
    const client = await target.open();
    clients.push(client);
    const headers: Record<string, string> = { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' };
    if (login !== undefined) headers.login = login;
    client.send(wire('CONNECT', headers));
    await expectFrame(client, 'CONNECTED');
    return client;
  };
  return { broker, connect };
}

async function expectFrame(client: RawClient, command: string): Promise<Exclude<Received, typeof CLOSED>> {
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) {
    throw new Error(`expected ${command}, got ${got === CLOSED ? 'the end of the connection' : 'nothing'}`);
  }
  expect(`${got.command} ${got.command === 'ERROR' ? got.body : ''}`.trim()).toBe(command);
  return got;
}

/** Frames until `count` MESSAGEs arrived, then a receipt round trip shows no more are on their way. */
async function messagesUntilQuiet(client: RawClient): Promise<string[]> {
  client.send(wire('SEND', { destination: '/topic/marker', receipt: 'quiet' }, 'marker'));
  const bodies: string[] = [];
  for (;;) {
    const frame = await expectAnyFrame(client);
    if (frame.command === 'RECEIPT' && header(frame, 'receipt-id') === 'quiet') return bodies;
    if (frame.command === 'MESSAGE') bodies.push(frame.body);
  }
}

async function expectAnyFrame(client: RawClient) {
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) throw new Error('expected a frame');
  return got;
}

const send = (key: string, body: string, receipt: string, destination = '/topic/chat') =>
  wire('SEND', { destination, 'x-idempotency-key': key, receipt }, body);

describe('idempotent SENDs (x-idempotency-key) over real TCP connections', () => {
  it('a repeat on the same or another connection is confirmed and not published again', async () => {
    const { connect } = await start();
    const subscriber = await connect();
    subscriber.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/chat', receipt: 'sub' }));
    await expectFrame(subscriber, 'RECEIPT');
    const first = await connect();
    first.send(send('k-1', 'hello', 'r1'));
    expect(header(await expectFrame(first, 'RECEIPT'), 'receipt-id')).toBe('r1');
    first.send(send('k-1', 'hello', 'r2'));
    expect(header(await expectFrame(first, 'RECEIPT'), 'receipt-id')).toBe('r2');
    first.drop();
    const second = await connect();
    second.send(send('k-1', 'hello', 'r3'));
    expect(header(await expectFrame(second, 'RECEIPT'), 'receipt-id')).toBe('r3');
    second.send(send('k-2', 'world', 'r4'));
    await expectFrame(second, 'RECEIPT');

    const message = await expectFrame(subscriber, 'MESSAGE');
    expect(message.body).toBe('hello');
    // The key is the server's business: subscribers never see it.
    expect(header(message, 'x-idempotency-key')).toBeUndefined();
    expect((await expectFrame(subscriber, 'MESSAGE')).body).toBe('world');
    expect(await messagesUntilQuiet(subscriber)).toEqual([]);
  });

  it('concurrent repeats while an async /app handler runs: the handler runs once, every repeat is confirmed after it', async () => {
    let runs = 0;
    let finish: () => void = () => {};
    const { broker, connect } = await start();
    broker.onMessage('/orders', async () => {
      runs++;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return 'placed';
    });
    const subscriber = await connect();
    subscriber.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/orders', receipt: 'sub' }));
    await expectFrame(subscriber, 'RECEIPT');
    const senders = await Promise.all([connect(), connect(), connect()]);
    senders.forEach((client, i) => {
      client.send(send('order-7', 'buy', `r${i}`, '/app/orders'));
    });
    await waitFor(() => runs === 1);
    // No repeat may be confirmed while the first attempt could still fail.
    for (const client of senders) expect(await client.next(100)).toBeUndefined();
    finish();
    for (const client of senders) await expectFrame(client, 'RECEIPT');
    expect(runs).toBe(1);
    expect((await expectFrame(subscriber, 'MESSAGE')).body).toBe('placed');
    expect(await messagesUntilQuiet(subscriber)).toEqual([]);
  });

  it('a first attempt that fails releases its key: the retry runs', async () => {
    let runs = 0;
    const { broker, connect } = await start();
    broker.onMessage('/flaky', () => {
      runs++;
      if (runs === 1) throw new Error('database busy');
      return 'ok';
    });
    const first = await connect();
    first.send(send('f-1', 'x', 'r1', '/app/flaky'));
    expect((await expectAnyFrame(first)).command).toBe('ERROR');
    const retry = await connect();
    retry.send(send('f-1', 'x', 'r2', '/app/flaky'));
    await expectFrame(retry, 'RECEIPT');
    expect(runs).toBe(2);
    retry.send(send('f-1', 'x', 'r3', '/app/flaky'));
    await expectFrame(retry, 'RECEIPT');
    expect(runs).toBe(2);
  });

  it("keys are per user: another user's same key is published too", async () => {
    const { connect } = await start({
      authenticate: (headers) => ({ name: headers.find(([name]) => name === 'login')?.[1] ?? 'anon' }),
    });
    const subscriber = await connect('watcher');
    subscriber.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/chat', receipt: 'sub' }));
    await expectFrame(subscriber, 'RECEIPT');
    const alice = await connect('alice');
    const bob = await connect('bob');
    alice.send(send('same', 'from alice', 'a'));
    await expectFrame(alice, 'RECEIPT');
    bob.send(send('same', 'from bob', 'b'));
    await expectFrame(bob, 'RECEIPT');
    expect(await messagesUntilQuiet(subscriber)).toEqual(['from alice', 'from bob']);
  });

  it('inside a transaction the key counts at COMMIT; dedupe: false publishes every repeat', async () => {
    const { connect } = await start();
    const subscriber = await connect();
    subscriber.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/chat', receipt: 'sub' }));
    await expectFrame(subscriber, 'RECEIPT');
    const client = await connect();
    client.send(wire('BEGIN', { transaction: 't' }));
    client.send(
      wire('SEND', { destination: '/topic/chat', transaction: 't', 'x-idempotency-key': 't-1' }, 'a'),
    );
    client.send(
      wire('SEND', { destination: '/topic/chat', transaction: 't', 'x-idempotency-key': 't-1' }, 'a'),
    );
    client.send(wire('COMMIT', { transaction: 't', receipt: 'c' }));
    await expectFrame(client, 'RECEIPT');
    expect(await messagesUntilQuiet(subscriber)).toEqual(['a']);

    const off = await start({ dedupe: false });
    const offSubscriber = await off.connect();
    offSubscriber.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/chat', receipt: 'sub' }));
    await expectFrame(offSubscriber, 'RECEIPT');
    const offSender = await off.connect();
    offSender.send(send('k', 'x', 'r1'));
    offSender.send(send('k', 'x', 'r2'));
    await expectFrame(offSender, 'RECEIPT');
    await expectFrame(offSender, 'RECEIPT');
    expect(await messagesUntilQuiet(offSubscriber)).toEqual(['x', 'x']);
  });

  it('an empty or oversized key gets ERROR "Invalid x-idempotency-key"', async () => {
    const { connect } = await start();
    for (const key of ['', 'k'.repeat(201)]) {
      const client = await connect();
      client.send(send(key, 'x', 'r'));
      const error = await expectAnyFrame(client);
      expect(error.command).toBe('ERROR');
      expect(header(error, 'message')).toBe('Invalid x-idempotency-key');
    }
  });
});

describe('the in-memory key store', () => {
  it('remembers done keys for the window, pending ones briefly, and at most maxKeys', () => {
    let now = 0;
    const store = new MemoryDedupeStore({ window: 60, maxKeys: 3, now: () => now });
    expect(store.claim('a')).toBe('first');
    expect(store.claim('a')).toBe('pending');
    store.complete('a');
    expect(store.claim('a')).toBe('duplicate');
    now += 59_999;
    expect(store.claim('a')).toBe('duplicate');
    now += 1;
    expect(store.claim('a')).toBe('first');
    store.release('a');
    expect(store.claim('a')).toBe('first');
    // A pending claim whose node died mid-publish ends after 10 s.
    now += 10_000;
    expect(store.claim('a')).toBe('first');
    for (const key of ['b', 'c', 'd']) {
      store.claim(key);
      store.complete(key);
    }
    expect(store.size).toBe(3);
    expect(store.claim('a')).toBe('first');
    // A done key is never released by a late failure report.
    store.release('d');
    expect(store.claim('d')).toBe('duplicate');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
