import { afterEach, describe, expect, it } from 'vitest';
import { BrokerQuotaError, MemoryBroker, type MemoryBrokerOptions } from '../../src/brokers/index.js';
import {
  type Authorize,
  createStompBroker,
  type StompBroker,
  type StompBrokerOptions,
} from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient } from './support/raw-client.js';
import { tcpTarget } from './support/targets.js';
import { header, wire } from './support/test-client.js';

/*
 * Memory a client could grow without limit, end to end over real TCP: queues made by SENDs to ever new names
 * (maxQueues, maxTotalQueuedBytes), queues nobody consumes any more (queueIdleTtl), bytes held by transactions
 * (transactions.maxBytes / maxSessionBytes), and the 'create' authorization that keeps a client from making
 * queues it may not make. Each refusal is an ERROR naming the limit, then a close.
 */

const running: Array<{ stomp: StompBroker; memory: MemoryBroker; tcp: StompTcpServer }> = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.drop();
  for (const { stomp, memory, tcp } of running.splice(0)) {
    await stomp.close();
    memory.close();
    await tcp.close();
  }
});

/** A STOMP broker on a memory broker with `memoryOptions`, behind a real TCP listener. */
async function start(options: StompBrokerOptions = {}, memoryOptions: MemoryBrokerOptions = {}) {
  const memory = new MemoryBroker(memoryOptions);
  const stomp = createStompBroker({
    authenticate: (headers) => {
      const login = headers.find(([name]) => name === 'login')?.[1];
      return login === undefined ? undefined : { name: login };
    },
    ...options,
    broker: memory,
  });
  const tcp = await listenTcp({ broker: stomp, port: 0 });
  running.push({ stomp, memory, tcp });
  const target = tcpTarget('quotas', tcp.port);
  /** A new TCP client that has CONNECTed (heart-beats off), as `login` if given. */
  const connect = async (login?: string) => {
    const client = await target.open();
    clients.push(client);
    const headers = { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' };
    client.send(wire('CONNECT', login === undefined ? headers : { ...headers, login }));
    await frame(client, 'CONNECTED');
    return client;
  };
  return { stomp, memory, connect };
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

/** Send `text`, expect ERROR `message` then the end of the connection; returns the ERROR's body. */
async function refused(client: RawClient, text: string, message: string): Promise<string> {
  client.send(text);
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) throw new Error(`expected ERROR ${message}, got no frame`);
  expect([got.command, header(got, 'message')]).toEqual(['ERROR', message]);
  expect(await client.next(5000)).toBe(CLOSED);
  return got.body;
}

const KB60 = 'x'.repeat(60_000);

describe('memory broker quotas over STOMP (real TCP)', () => {
  it('the attack scaled down: 60 KB SENDs to ever new queue names end in ERROR Quota exceeded: maxTotalQueuedBytes', async () => {
    const { stomp, memory, connect } = await start({}, { maxTotalQueuedBytes: 1_000_000 });
    const attacker = await connect();
    let text = '';
    for (let i = 0; i < 40; i++) text += wire('SEND', { destination: `/queue/q${i}` }, KB60);
    const body = await refused(attacker, text, 'Quota exceeded: maxTotalQueuedBytes');
    expect(body).toMatch(
      /^queues hold \d+ bytes; a message of \d+ more would pass maxTotalQueuedBytes 1000000$/,
    );
    const stats = stomp.stats();
    expect(stats.errors.limit).toBe(1);
    expect(stats.broker.queuedBytes).toBeLessThanOrEqual(1_000_000);
    expect([stats.broker.queued, stats.broker.destinations]).toEqual([16, 16]);
    // Others are served, and a consumer taking a message makes room again.
    const worker = await connect();
    // A queue hands what it holds to its new subscriber at once: the MESSAGE comes before the RECEIPT.
    worker.send(wire('SUBSCRIBE', { id: 'w', destination: '/queue/q0', receipt: 'w' }));
    expect((await frame(worker, 'MESSAGE')).body).toBe(KB60);
    await frame(worker, 'RECEIPT');
    await receipted(worker, 'SEND', { destination: '/queue/fresh' }, KB60);
    expect(memory.stats().queued).toBe(16);
  });

  it('maxQueues: a SEND or SUBSCRIBE that would make one queue too many gets ERROR Quota exceeded: maxQueues', async () => {
    const { stomp, connect } = await start({}, { maxQueues: 5 });
    const sender = await connect();
    let text = '';
    for (let i = 0; i < 10; i++) text += wire('SEND', { destination: `/queue/n${i}` }, `m${i}`);
    expect(await refused(sender, text, 'Quota exceeded: maxQueues')).toBe(
      'the broker holds at most 5 queues (maxQueues); /queue/n5 cannot be created',
    );
    const subscriber = await connect();
    // An existing queue and a topic are still fine; a sixth queue is not.
    subscriber.send(wire('SUBSCRIBE', { id: 'a', destination: '/queue/n0', receipt: 'a' }));
    expect((await frame(subscriber, 'MESSAGE')).body).toBe('m0');
    await frame(subscriber, 'RECEIPT');
    await receipted(subscriber, 'SUBSCRIBE', { id: 't', destination: '/topic/t' });
    // Server code is refused the same way, with the error itself.
    await expect(stomp.publish('/queue/n9', 'x')).rejects.toBeInstanceOf(BrokerQuotaError);
    expect(
      await refused(
        subscriber,
        wire('SUBSCRIBE', { id: 'b', destination: '/queue/other' }),
        'Quota exceeded: maxQueues',
      ),
    ).toContain('/queue/other cannot be created');
    expect(stomp.stats().errors.limit).toBe(2);
    // Five queues (n0 now vacant: its subscriber is gone, so the next new queue may take its place).
    expect(stomp.stats().broker.destinations).toBe(5);
  });

  it('queueIdleTtl: messages nobody came for are dropped with their queue on the injected clock', async () => {
    const clock = { ms: 5_000_000 };
    const { stomp, connect } = await start({}, { queueIdleTtl: 60, now: () => clock.ms });
    const sender = await connect();
    for (const n of [1, 2, 3]) await receipted(sender, 'SEND', { destination: '/queue/idle' }, `${n}${KB60}`);
    sender.drop();
    expect(stomp.stats().broker).toMatchObject({ destinations: 1, queued: 3 });
    expect(stomp.stats().broker.queuedBytes).toBeGreaterThan(180_000);
    clock.ms += 59_999;
    expect(stomp.stats().broker.queued).toBe(3);
    clock.ms += 1;
    expect(stomp.stats().broker).toMatchObject({ destinations: 0, queued: 0, queuedBytes: 0, discarded: 3 });
    // A consumer that comes later gets only what is sent from now on.
    const late = await connect();
    await receipted(late, 'SUBSCRIBE', { id: 'l', destination: '/queue/idle' });
    late.send(wire('SEND', { destination: '/queue/idle' }, 'fresh'));
    expect((await frame(late, 'MESSAGE')).body).toBe('fresh');
  });
});

describe('transaction byte limits over STOMP (real TCP)', () => {
  const send = (transaction: string, body: string) =>
    wire('SEND', { destination: '/topic/tx', transaction }, body);

  it('transactions.maxBytes: one frame too many bytes is ERROR Transaction too large, and nothing of it is delivered', async () => {
    const { stomp, connect } = await start({ transactions: { maxBytes: 10_000 } });
    const listener = await connect();
    await receipted(listener, 'SUBSCRIBE', { id: 'l', destination: '/topic/tx' });
    const client = await connect();
    await receipted(client, 'BEGIN', { transaction: 't' });
    // Each frame holds 2,000 body bytes and 36 of headers: four fit in 10,000, five do not.
    const body2k = 'y'.repeat(2000);
    client.send(send('t', body2k).repeat(4));
    expect(await refused(client, send('t', body2k), 'Transaction too large')).toBe(
      'a transaction may hold at most 10000 bytes (transactions.maxBytes)',
    );
    expect(stomp.stats().errors.limit).toBe(1);
    listener.send(wire('SEND', { destination: '/topic/tx' }, 'marker'));
    expect((await frame(listener, 'MESSAGE')).body).toBe('marker');
  });

  it('transactions.maxSessionBytes: counts every open transaction of the session; a COMMIT gives its bytes back', async () => {
    const { connect } = await start({ transactions: { maxBytes: 10_000, maxSessionBytes: 15_000 } });
    const client = await connect();
    const body2k = 'y'.repeat(2000);
    await receipted(client, 'BEGIN', { transaction: 'a' });
    client.send(send('a', body2k).repeat(4));
    await receipted(client, 'COMMIT', { transaction: 'a' });
    await receipted(client, 'BEGIN', { transaction: 'b' });
    await receipted(client, 'BEGIN', { transaction: 'c' });
    client.send(send('b', body2k).repeat(4) + send('c', body2k).repeat(3));
    expect(await refused(client, send('c', body2k), 'Transactions too large')).toBe(
      'the open transactions of a session may hold at most 15000 bytes (transactions.maxSessionBytes)',
    );
  });

  it('the documented defaults: 1 MiB per transaction, 4 MiB in all of a session’s transactions', async () => {
    const { connect } = await start();
    // 65,000 body bytes and 37 of headers a frame: 16 fit in 1 MiB, 64 in 4 MiB.
    const big = 'z'.repeat(65_000);
    const one = await connect();
    await receipted(one, 'BEGIN', { transaction: 't1' });
    one.send(send('t1', big).repeat(16));
    await receipted(one, 'ABORT', { transaction: 't1' });
    await receipted(one, 'BEGIN', { transaction: 't2' });
    one.send(send('t2', big).repeat(16));
    expect(await refused(one, send('t2', big), 'Transaction too large')).toBe(
      'a transaction may hold at most 1048576 bytes (transactions.maxBytes)',
    );

    const many = await connect();
    for (const id of ['t1', 't2', 't3', 't4']) {
      await receipted(many, 'BEGIN', { transaction: id });
      many.send(send(id, big).repeat(16));
    }
    await receipted(many, 'BEGIN', { transaction: 't5' });
    expect(await refused(many, send('t5', big), 'Transactions too large')).toBe(
      'the open transactions of a session may hold at most 4194304 bytes (transactions.maxSessionBytes)',
    );
  });
});

describe("authorize 'create': a queue nobody may consume is not made by who may not make it", () => {
  /** Anyone may send and subscribe; only `admin` may create queues. Records what it is asked. */
  const policy = (asked: string[], async: boolean): Authorize => {
    return (principal, action, destination) => {
      asked.push(`${principal?.name ?? '-'} ${action} ${destination}`);
      const allowed = action !== 'create' || principal?.name === 'admin';
      return async ? Promise.resolve(allowed) : allowed;
    };
  };

  it.each([
    ['a synchronous', false],
    ['an asynchronous', true],
  ])('with %s hook: refuses creating a queue, allows sends to an existing one', async (_, async) => {
    const asked: string[] = [];
    const { stomp, memory, connect } = await start({ authorize: policy(asked, async) });
    const alice = await connect('alice');
    expect(
      await refused(alice, wire('SEND', { destination: '/queue/new', receipt: 'r' }, 'hi'), 'Access denied'),
    ).toBe('not allowed to create /queue/new');
    expect(asked).toEqual(['alice send /queue/new', 'alice create /queue/new']);
    expect(memory.wouldCreate('/queue/new')).toBe(true);
    expect(stomp.stats().errors.authorization).toBe(1);

    // A subscriber makes its queue (it consumes it), and sends to it need no 'create'; nor do topics.
    asked.length = 0;
    const worker = await connect('alice');
    await receipted(worker, 'SUBSCRIBE', { id: 'w', destination: '/queue/jobs' });
    const sender = await connect('alice');
    await receipted(sender, 'SEND', { destination: '/queue/jobs' }, 'job');
    expect((await frame(worker, 'MESSAGE')).body).toBe('job');
    await receipted(sender, 'SEND', { destination: '/topic/news' }, 'n');
    expect(asked).toEqual([
      'alice subscribe /queue/jobs',
      'alice send /queue/jobs',
      'alice send /topic/news',
    ]);

    // Who may create does; then others may send there.
    const admin = await connect('admin');
    await receipted(admin, 'SEND', { destination: '/queue/made' }, 'first');
    await receipted(sender, 'SEND', { destination: '/queue/made' }, 'second');
    expect(memory.stats().queued).toBe(2);

    // In a transaction it is asked at COMMIT, right before the publish.
    asked.length = 0;
    await receipted(sender, 'BEGIN', { transaction: 't' });
    await receipted(sender, 'SEND', { destination: '/queue/later', transaction: 't' }, 'x');
    expect(asked).toEqual(['alice send /queue/later']);
    expect(await refused(sender, wire('COMMIT', { transaction: 't' }), 'Access denied')).toBe(
      'not allowed to create /queue/later',
    );
    expect(memory.wouldCreate('/queue/later')).toBe(true);
  });

  it('without an authorize hook, a SEND creates its queue as before', async () => {
    const { memory, connect } = await start();
    const client = await connect();
    await receipted(client, 'SEND', { destination: '/queue/anyone' }, 'hi');
    expect(memory.wouldCreate('/queue/anyone')).toBe(false);
  });
});
