import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerFailure, BrokerQuotaError } from '../../../src/brokers/broker.js';
import { REDIS_BROKER_DEFAULTS, type RedisBroker } from '../../../src/brokers/redis/index.js';
import { CLOSED, type RawClient } from '../../stomp/support/raw-client.js';
import { fakeTarget } from '../../stomp/support/targets.js';
import { header, wire } from '../../stomp/support/test-client.js';
import { cluster, recorder, relay } from './support/nodes.js';

/*
 * The Redis broker's queue quotas (issue 14, "memory a client can grow"), on a private redis-server: every
 * `/queue/*` name a client sent to became a Redis stream kept forever and counted nowhere. Now queues expire
 * when idle (their keys leave Redis), and maxQueues, maxQueuedBytes and maxTotalQueuedBytes are counted in
 * Redis across nodes; each refusal is the memory broker's BrokerQuotaError, which STOMP turns into an ERROR
 * naming the option. Waits are bounded polls of Redis, never fixed sleeps.
 */

const server = useRedisServer();

let run = 0;
let prefix = '';
let nodes: ReturnType<typeof cluster> | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await nodes?.closeAll();
});
/** Nodes of a fresh cluster, with a key prefix of their own. */
function fresh() {
  prefix = `rq${++run}:`;
  nodes = cluster(server.url, prefix);
  return nodes;
}
const key = (name: string) => `${prefix}broker:${name}`;

/** The quota error `promise` rejects with, or a failure when it resolves or rejects otherwise. */
async function quotaError(promise: Promise<unknown>): Promise<BrokerQuotaError> {
  const error = await promise.then(
    () => new Error('expected a BrokerQuotaError, it succeeded'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BrokerQuotaError);
  return error as BrokerQuotaError;
}

/** What a queue message weighs in Redis: id, headers JSON and body (UTF-8), destination, 64. */
function weight(destination: string, id: string, body: string, headers = '[]'): number {
  return Buffer.byteLength(destination + id + headers + body) + 64;
}

/** A STOMP client CONNECTed to `broker` through the STOMP layer (in process). */
async function stompClient(broker: RedisBroker): Promise<RawClient> {
  const target = fakeTarget({ broker });
  closers.push(() => target.close());
  const client = await target.open();
  client.send(wire('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' }));
  expect((await client.next(2000)) as { command: string }).toMatchObject({ command: 'CONNECTED' });
  return client;
}

/** `COMMAND detail` of the next frame: a RECEIPT's id, an ERROR's message header and body. */
async function next(client: RawClient): Promise<string> {
  const got = await client.next(3000);
  if (got === undefined || got === CLOSED) return String(got);
  if (got.command === 'ERROR') return `ERROR ${header(got, 'message')}: ${got.body}`;
  return `${got.command} ${header(got, 'receipt-id') ?? ''}`;
}

describe('Redis broker queue quotas: maxQueues', () => {
  it('has the memory broker’s defaults', () => {
    expect(REDIS_BROKER_DEFAULTS).toMatchObject({
      maxQueuedBytes: 8 * 1024 * 1024,
      maxTotalQueuedBytes: 256 * 1024 * 1024,
      maxQueues: 10_000,
      queueIdleTtl: 600,
    });
  });

  it('a STOMP client making queues past maxQueues gets ERROR Quota exceeded: maxQueues, for SEND and SUBSCRIBE', async () => {
    const { node } = fresh();
    const broker = await node({ maxQueues: 3 });
    const sender = await stompClient(broker);
    for (let i = 0; i < 3; i++) {
      sender.send(wire('SEND', { destination: `/queue/n${i}`, receipt: `r${i}` }, `m${i}`));
      expect(await next(sender)).toBe(`RECEIPT r${i}`);
    }
    sender.send(wire('SEND', { destination: '/queue/n3', receipt: 'r3' }, 'one too many'));
    expect(await next(sender)).toBe(
      'ERROR Quota exceeded: maxQueues: the broker holds at most 3 queues (maxQueues); /queue/n3 cannot be created',
    );
    expect(await sender.next(3000)).toBe(CLOSED);
    // An existing queue and a topic are still fine; a SUBSCRIBE that would make a fourth queue is not.
    const subscriber = await stompClient(broker);
    subscriber.send(wire('SEND', { destination: '/queue/n0', receipt: 'again' }, 'again'));
    expect(await next(subscriber)).toBe('RECEIPT again');
    subscriber.send(wire('SUBSCRIBE', { id: 't', destination: '/topic/t', receipt: 't' }));
    expect(await next(subscriber)).toBe('RECEIPT t');
    subscriber.send(wire('SUBSCRIBE', { id: 'q', destination: '/queue/other', receipt: 'q' }));
    expect(await next(subscriber)).toMatch(
      /^ERROR Quota exceeded: maxQueues: .*\/queue\/other cannot be created$/,
    );
    // Refused means not created: nothing of /queue/n3 or /queue/other in Redis.
    expect((await server.admin.zrange(key('queue-index'), '0', '-1')).sort()).toEqual([
      '/queue/n0',
      '/queue/n1',
      '/queue/n2',
    ]);
    expect(await server.admin.exists(key('queue:/queue/n3'), key('queue:/queue/other'))).toBe(0);
  });

  it('two nodes on one Redis share the count, also when they create queues at the same time', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([
      node({ maxQueues: 5, nodeTimeout: 900 }),
      node({ maxQueues: 5, nodeTimeout: 900 }),
    ]);
    await a.publish('/queue/a1', [], 'm');
    await b.subscribe('/queue/b1', recorder(), { manualAck: false });
    expect([await a.wouldCreate('/queue/b1'), await b.wouldCreate('/queue/a1')]).toEqual([false, false]);
    // 20 new names at once, half on each node: exactly the 3 places left are taken.
    const attempts = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? a : b).publish(`/queue/race${i}`, [], 'm').then(
        () => 'ok',
        (error: unknown) => (error instanceof BrokerQuotaError ? error.quota : String(error)),
      ),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome === 'maxQueues')).toHaveLength(17);
    expect(await server.admin.zcard(key('queue-index'))).toBe(5);
    const refused = await quotaError(b.subscribe('/queue/late', recorder(), { manualAck: false }));
    // Named, and not a broker failure: a client must not be told to reconnect and retry elsewhere.
    expect([refused.quota, refused.limit, refused instanceof BrokerFailure]).toEqual(['maxQueues', 5, false]);
    await waitFor(() => a.stats().queues === 5, 'node a to sample 5 queues in Redis');
  });

  it('at maxQueues a vacant queue (nothing held, no consumer on any node) makes room; a held one does not', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node({ maxQueues: 2 }), node({ maxQueues: 2 })]);
    const handle = await a.subscribe('/queue/vacant', recorder(), { manualAck: false });
    await b.publish('/queue/full', [], 'kept');
    // Consumed on node a: not vacant.
    expect((await quotaError(b.publish('/queue/third', [], 'm'))).quota).toBe('maxQueues');
    await handle.cancel();
    await b.publish('/queue/third', [], 'm');
    expect((await server.admin.zrange(key('queue-index'), '0', '-1')).sort()).toEqual([
      '/queue/full',
      '/queue/third',
    ]);
    expect(await server.admin.exists(key('queue:/queue/vacant'), key('queue-holders:/queue/vacant'))).toBe(0);
    expect((await quotaError(a.publish('/queue/fourth', [], 'm'))).quota).toBe('maxQueues');
  });
});

describe('Redis broker queue quotas: bytes', () => {
  it('maxQueuedBytes refuses a message larger than a queue may hold and drops the oldest past it', async () => {
    const { node } = fresh();
    const broker = await node({ maxQueuedBytes: 1000 });
    const error = await quotaError(broker.publish('/queue/b', [], 'y'.repeat(1000)));
    const big = weight('/queue/b', '1', 'y'.repeat(1000));
    expect([error.quota, error.limit, error.message]).toEqual([
      'maxQueuedBytes',
      1000,
      `a message of ${big} bytes is larger than a queue may hold (maxQueuedBytes 1000)`,
    ]);
    expect(await server.admin.exists(key('queue:/queue/b'))).toBe(0);
    const ids: string[] = [];
    for (const n of ['1', '2', '3']) ids.push(await broker.publish('/queue/b', [], n.repeat(400)));
    // Two 400-byte messages fit in 1000 bytes, three do not: the oldest went.
    expect(broker.stats().discarded).toBe(1);
    const held =
      weight('/queue/b', ids[1] ?? '', '2'.repeat(400)) + weight('/queue/b', ids[2] ?? '', '3'.repeat(400));
    expect(Number(await server.admin.hget(key('queue-sizes'), '/queue/b'))).toBe(held);
    expect(Number(await server.admin.get(key('queue-bytes')))).toBe(held);
    const consumer = recorder();
    await broker.subscribe('/queue/b', consumer, { manualAck: false });
    await consumer.waitFor(2);
    expect(consumer.bodies().map((body) => body[0])).toEqual(['2', '3']);
    // Acknowledged messages leave the stream and the counts.
    await expect.poll(() => server.admin.get(key('queue-bytes'))).toBeNull();
    expect(await server.admin.hget(key('queue-sizes'), '/queue/b')).toBeNull();
  });

  it('maxTotalQueuedBytes bounds all queues of all nodes together; consumers make room again', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([
      node({ maxTotalQueuedBytes: 3000 }),
      node({ maxTotalQueuedBytes: 3000 }),
    ]);
    const body = 'x'.repeat(1000);
    const first = await a.publish('/queue/t1', [], body);
    const second = await b.publish('/queue/t2', [], body);
    const held = weight('/queue/t1', first, body) + weight('/queue/t2', second, body);
    const error = await quotaError(a.publish('/queue/t3', [], body));
    expect(error.quota).toBe('maxTotalQueuedBytes');
    expect(error.message).toMatch(
      new RegExp(`^queues hold ${held} bytes; a message of \\d+ more would pass maxTotalQueuedBytes 3000$`),
    );
    // The same over STOMP, from the other node: an ERROR naming the option.
    const client = await stompClient(b);
    client.send(wire('SEND', { destination: '/queue/t4', receipt: 'no' }, body));
    expect(await next(client)).toMatch(/^ERROR Quota exceeded: maxTotalQueuedBytes: queues hold \d+ bytes/);
    // Messages out with a client-ack consumer still count until acknowledged.
    const taker = recorder();
    const handle = await b.subscribe('/queue/t1', taker, { manualAck: true });
    await taker.waitFor(1);
    expect((await quotaError(a.publish('/queue/t3', [], body))).quota).toBe('maxTotalQueuedBytes');
    handle.ack(taker.got[0]?.tag ?? 0);
    await expect
      .poll(() => server.admin.get(key('queue-bytes')))
      .toBe(String(weight('/queue/t2', second, body)));
    await a.publish('/queue/t3', [], body);
  });
});

describe('Redis broker queue quotas: queueIdleTtl', () => {
  it('an idle queue’s keys leave Redis after queueIdleTtl, and it no longer counts', async () => {
    const { node } = fresh();
    const broker = await node({ queueIdleTtl: 1, nodeTimeout: 900 });
    await broker.publish('/queue/idle', [], 'nobody comes');
    // Made by a subscriber who left: its per-queue keys (stream and holders) go too.
    const handle = await broker.subscribe('/queue/left', recorder(), { manualAck: true });
    await handle.cancel();
    expect(await server.admin.exists(key('queue:/queue/idle'), key('queue:/queue/left'))).toBe(2);
    expect(await server.admin.pttl(key('queue:/queue/idle'))).toBeGreaterThan(0);
    expect(await broker.wouldCreate('/queue/idle')).toBe(false);
    await expect.poll(() => server.admin.keys(`${prefix}broker:queue*`), { timeout: 5000 }).toEqual([]);
    expect(await broker.wouldCreate('/queue/idle')).toBe(true);
    await waitFor(() => broker.stats().queues === 0 && broker.stats().queuedBytes === 0, 'stats to say so');
    // Back from nothing: a new publish makes the queue again, counting from zero.
    const id = await broker.publish('/queue/idle', [], 'again');
    expect(Number(await server.admin.get(key('queue-bytes')))).toBe(weight('/queue/idle', id, 'again'));
  });

  it('a queue with a live consumer outlives its ttl and its first lease; once the consumer leaves it expires', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([
      node({ queueIdleTtl: 1, nodeTimeout: 900 }),
      node({ queueIdleTtl: 1, nodeTimeout: 900 }),
    ]);
    const consumer = recorder();
    const handle = await a.subscribe('/queue/kept', consumer, { manualAck: false });
    const firstExpiry = Number(await server.admin.zscore(key('queue-index'), '/queue/kept'));
    // Node a's lease, named by its id and a serial.
    expect(Object.keys(await server.admin.hgetall(key('queue-holders:/queue/kept')))).toEqual([
      `${a.nodeId}#1`,
    ]);
    await b.publish('/queue/dropped', [], 'nobody comes');
    // Wait, on Redis's clock, until the first lease and the ttl after it are over.
    await expect
      .poll(async () => (await redisMs()) > firstExpiry + 300, { timeout: 10_000, interval: 100 })
      .toBe(true);
    expect(await server.admin.exists(key('queue:/queue/dropped'))).toBe(0);
    expect(await server.admin.exists(key('queue:/queue/kept'))).toBe(1);
    expect(Number(await server.admin.zscore(key('queue-index'), '/queue/kept'))).toBeGreaterThan(firstExpiry);
    expect(await b.wouldCreate('/queue/kept')).toBe(false);
    await b.publish('/queue/kept', [], 'still served');
    await consumer.waitFor(1);
    expect(consumer.bodies()).toEqual(['still served']);
    await handle.cancel();
    await expect
      .poll(() => server.admin.exists(key('queue:/queue/kept'), key('queue-holders:/queue/kept')), {
        timeout: 5000,
      })
      .toBe(0);
    expect(await a.wouldCreate('/queue/kept')).toBe(true);
  });

  it('a node that dies with a consumer stops keeping the queue: it expires once the lease and the ttl are over', async () => {
    const { node } = fresh();
    const path = await relay(server.port);
    const dying = await node({ url: path.url, queueIdleTtl: 1, nodeTimeout: 900 });
    const survivor = await node({ queueIdleTtl: 1, nodeTimeout: 900 });
    await dying.subscribe('/queue/orphan', recorder(), { manualAck: true });
    await survivor.publish('/queue/orphan', [], 'held by the dying node');
    await path.cut();
    // The lease ends at most 900 ms after its last renewal, then the 1 s ttl runs: about 2 s.
    await expect
      .poll(() => server.admin.exists(key('queue:/queue/orphan'), key('queue-holders:/queue/orphan')), {
        timeout: 6000,
      })
      .toBe(0);
    expect(await survivor.wouldCreate('/queue/orphan')).toBe(true);
  });

  it('validates the quotas: whole numbers, or Infinity for none', async () => {
    const { node } = fresh();
    for (const name of ['maxQueues', 'maxQueuedBytes', 'maxTotalQueuedBytes', 'queueIdleTtl'] as const) {
      await expect(node({ [name]: -1 })).rejects.toThrow(`${name} must be a whole number or Infinity`);
      await expect(node({ [name]: 1.5 })).rejects.toThrow(TypeError);
    }
    const unbounded = await node({
      maxQueues: Number.POSITIVE_INFINITY,
      queueIdleTtl: Number.POSITIVE_INFINITY,
    });
    for (let i = 0; i < 20; i++) await unbounded.publish(`/queue/q${i}`, [], 'm');
    expect(await server.admin.zcard(key('queue-index'))).toBe(20);
    expect(await server.admin.pttl(key('queue:/queue/q0'))).toBe(-1);
  });
});

/** Redis's clock, in ms (what queue expiry runs on). */
async function redisMs(): Promise<number> {
  const [seconds, micros] = await server.admin.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
