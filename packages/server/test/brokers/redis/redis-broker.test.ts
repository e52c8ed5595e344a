import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/brokers/broker.js';
import { cluster, recorder } from './support/nodes.js';

const server = useRedisServer();

let run = 0;
let nodes: ReturnType<typeof cluster>;
afterEach(() => nodes.closeAll());
/** Nodes of a fresh cluster: each test has its own key prefix, so leftovers of one never reach another. */
function fresh() {
  nodes = cluster(server.url, `t${++run}:`);
  return nodes;
}

const header = (delivery: Delivery, name: string) =>
  delivery.message.headers.find(([key]) => key === name)?.[1];

/** Every publisher's messages arrive once each, in the order it sent them. */
function expectPerPublisherOrder(got: readonly Delivery[], publishers: number, perPublisher: number) {
  const seen = Array.from({ length: publishers }, () => [] as number[]);
  for (const delivery of got) seen[Number(header(delivery, 'from'))]?.push(Number(delivery.message.body));
  const expected = Array.from({ length: perPublisher }, (_, i) => i);
  for (const sequence of seen) expect(sequence).toEqual(expected);
}

describe('Redis broker: topics across nodes', () => {
  it('fans out to every consumer on every node exactly once, in order per publisher, with increasing ids', async () => {
    const { node } = fresh();
    const brokers = await Promise.all([node(), node(), node()]);
    const consumers = brokers.flatMap(() => [recorder(), recorder()]);
    await Promise.all(
      consumers.map((consumer, i) =>
        brokers[Math.floor(i / 2)]?.subscribe('/topic/chat', consumer, { manualAck: false }),
      ),
    );
    const perPublisher = 200;
    // Not awaited one by one: each publisher's commands still reach Redis in order on its connection.
    const sent: Promise<string>[] = [];
    for (let i = 0; i < perPublisher; i++) {
      brokers.forEach((broker, from) => {
        sent.push(broker.publish('/topic/chat', [['from', String(from)]], String(i)));
      });
    }
    const ids = await Promise.all(sent);
    expect(new Set(ids).size).toBe(ids.length);
    await Promise.all(consumers.map((consumer) => consumer.waitFor(3 * perPublisher)));
    for (const consumer of consumers) {
      expect(consumer.got).toHaveLength(3 * perPublisher);
      expectPerPublisherOrder(consumer.got, 3, perPublisher);
      const order = consumer.got.map((delivery) => Number(delivery.message.id));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Every node saw the messages in the same order: Redis delivers a channel in publish order.
    const first = consumers[0]?.got.map((delivery) => delivery.message.id);
    for (const consumer of consumers) expect(consumer.got.map((d) => d.message.id)).toEqual(first);
    expect(brokers[0]?.stats()).toMatchObject({ destinations: 1, consumers: 2, published: perPublisher });
  });

  it('keeps nothing without subscribers, and drops its channel when the last local consumer leaves', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node(), node()]);
    await a?.publish('/topic/empty', [], 'lost');
    const first = recorder();
    const second = recorder();
    const one = await b?.subscribe('/topic/empty', first, { manualAck: false });
    const two = await b?.subscribe('/topic/empty', second, { manualAck: false });
    const channel = `t${run}:broker:topic:/topic/empty`;
    expect(await server.admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    await a?.publish('/topic/empty', [['x-h', 'v:1']], 'kept');
    await first.waitFor(1);
    await second.waitFor(1);
    expect(first.got.map((d) => [d.message.body, d.message.headers])).toEqual([['kept', [['x-h', 'v:1']]]]);
    await one?.cancel();
    expect(await server.admin.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    await two?.cancel();
    await waitFor(() => b?.stats().destinations === 0, 'the channel to be forgotten');
    await expect.poll(() => server.admin.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
  });

  it('a topic NACK redelivers to the same consumer, up to the limit', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node({ maxRedeliveries: 1 }), node()]);
    const consumer = recorder();
    const handle = await a?.subscribe('/topic/acks', consumer, { manualAck: true });
    await b?.publish('/topic/acks', [], 'm');
    await consumer.waitFor(1);
    handle?.nack(consumer.got[0]?.tag ?? 0);
    handle?.nack(consumer.got[1]?.tag ?? 0);
    expect(consumer.got.map((d) => [d.message.body, d.redelivered])).toEqual([
      ['m', false],
      ['m', true],
    ]);
    expect(a?.stats().discarded).toBe(1);
  });

  it('user destinations reach every session of the user, on any node, and nobody else', async () => {
    const { node } = fresh();
    const [a, b, c] = await Promise.all([node(), node(), node()]);
    const aliceOnA = recorder();
    const aliceOnB = recorder();
    const bobOnC = recorder();
    await a?.subscribe('/user/alice/queue/notes', aliceOnA, { manualAck: false });
    await b?.subscribe('/user/alice/queue/notes', aliceOnB, { manualAck: false });
    await c?.subscribe('/user/bob/queue/notes', bobOnC, { manualAck: false });
    for (const body of ['1', '2', '3']) await c?.publish('/user/alice/queue/notes', [], body);
    await aliceOnA.waitFor(3);
    await aliceOnB.waitFor(3);
    expect([aliceOnA.bodies(), aliceOnB.bodies()]).toEqual([
      ['1', '2', '3'],
      ['1', '2', '3'],
    ]);
    await c?.publish('/user/bob/queue/notes', [], 'for bob');
    await bobOnC.waitFor(1);
    expect([aliceOnA.got.length, bobOnC.bodies()]).toEqual([3, ['for bob']]);
  });
});

describe('Redis broker: queues across nodes', () => {
  it('hands each of 1000 messages to exactly one consumer across three nodes', async () => {
    const { node } = fresh();
    const brokers = await Promise.all([node(), node(), node()]);
    const consumers = brokers.flatMap(() => [recorder(), recorder()]);
    await Promise.all(
      consumers.map((consumer, i) =>
        brokers[Math.floor(i / 2)]?.subscribe('/queue/work', consumer, { manualAck: false }),
      ),
    );
    const count = 1000;
    const sent: Promise<string>[] = [];
    for (let i = 0; i < count; i++) {
      sent.push(
        brokers[i % 3]?.publish('/queue/work', [], String(i)) ?? Promise.reject(new Error('no node')),
      );
    }
    await Promise.all(sent);
    await waitFor(
      () => consumers.reduce((sum, consumer) => sum + consumer.got.length, 0) >= count,
      'every message to arrive',
      10_000,
    );
    const bodies = consumers.flatMap((consumer) => consumer.bodies()).map(Number);
    expect(bodies).toHaveLength(count);
    expect(new Set(bodies).size).toBe(count);
    const perNode = brokers.map((broker) => broker.stats().delivered);
    expect(perNode.reduce((sum, n) => sum + n, 0)).toBe(count);
    // Competing consumers, not one node taking everything.
    for (const delivered of perNode) expect(delivered).toBeGreaterThan(0);
    // Acknowledged messages are deleted: the stream ends empty.
    await expect.poll(() => server.admin.xlen(`t${run}:broker:queue:/queue/work`)).toBe(0);
  });

  it('holds messages until a consumer comes, in order, with increasing ids; past maxQueuedMessages the oldest go', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node({ maxQueuedMessages: 3 }), node()]);
    const ids: string[] = [];
    for (const body of ['1', '2', '3', '4', '5']) ids.push((await a?.publish('/queue/held', [], body)) ?? '');
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((x, y) => x - y));
    expect(a?.stats().discarded).toBe(2);
    const consumer = recorder();
    await b?.subscribe('/queue/held', consumer, { manualAck: false });
    await consumer.waitFor(3);
    expect(consumer.got.map((d) => [d.message.body, d.message.id, d.redelivered])).toEqual([
      ['3', ids[2], false],
      ['4', ids[3], false],
      ['5', ids[4], false],
    ]);
  });

  it('prefetch bounds unacknowledged messages per consumer across nodes; ACK lets the next one through', async () => {
    const { node } = fresh();
    const [a, b, c] = await Promise.all([node(), node(), node()]);
    const onA = recorder();
    const onB = recorder();
    const handleA = await a?.subscribe('/queue/slow', onA, { manualAck: true, prefetch: 1 });
    await b?.subscribe('/queue/slow', onB, { manualAck: true, prefetch: 1 });
    for (const body of ['1', '2', '3', '4']) await c?.publish('/queue/slow', [], body);
    await onA.waitFor(1);
    await onB.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([onA.got.length, onB.got.length]).toEqual([1, 1]);
    handleA?.ack(onA.got[0]?.tag ?? 0);
    await onA.waitFor(2);
    const taken = [...onA.bodies(), ...onB.bodies()].sort();
    expect(new Set(taken).size).toBe(3);
    expect(onB.got).toHaveLength(1);
  });

  it('NACK redelivers, marked redelivered with the same id, until maxRedeliveries; then it is dropped', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node({ maxRedeliveries: 2 }), node({ maxRedeliveries: 2 })]);
    const consumer = recorder();
    const handle = await a?.subscribe('/queue/nack', consumer, { manualAck: true });
    const id = await b?.publish('/queue/nack', [['k', 'v']], 'poison');
    for (let attempt = 1; attempt <= 3; attempt++) {
      await consumer.waitFor(attempt);
      handle?.nack(consumer.got[attempt - 1]?.tag ?? 0);
    }
    await waitFor(() => a?.stats().discarded === 1, 'the message to be dropped');
    expect(consumer.got.map((d) => [d.message.id, d.message.headers, d.redelivered])).toEqual([
      [id, [['k', 'v']], false],
      [id, [['k', 'v']], true],
      [id, [['k', 'v']], true],
    ]);
    expect(a?.stats()).toMatchObject({ delivered: 3, redelivered: 2 });
  });

  it('a cancelled consumer returns its unacknowledged messages, in order, to consumers on other nodes', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node(), node()]);
    const leaving = recorder();
    const handle = await a?.subscribe('/queue/handover', leaving, { manualAck: true });
    for (const body of ['1', '2', '3']) await a?.publish('/queue/handover', [], body);
    await leaving.waitFor(3);
    const staying = recorder();
    await b?.subscribe('/queue/handover', staying, { manualAck: true });
    await handle?.cancel();
    await staying.waitFor(3);
    expect(staying.got.map((d) => [d.message.body, d.redelivered])).toEqual([
      ['1', true],
      ['2', true],
      ['3', true],
    ]);
    expect(a?.stats().destinations).toBe(0);
  });
});

describe('Redis broker: lifecycle', () => {
  it('close() returns unacknowledged messages, says goodbye, and leaves no connection behind', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node({ nodeId: 'closing-node' }), node()]);
    const held = recorder();
    await a?.subscribe('/queue/close', held, { manualAck: true });
    await a?.subscribe('/topic/close', recorder(), { manualAck: false });
    await b?.publish('/queue/close', [], 'unacked');
    await held.waitFor(1);
    expect(await server.admin.exists(`t${run}:broker:alive:closing-node`)).toBe(1);
    await a?.close();
    const after = recorder();
    await b?.subscribe('/queue/close', after, { manualAck: false });
    await after.waitFor(1);
    expect(after.got.map((d) => [d.message.body, d.redelivered])).toEqual([['unacked', true]]);
    expect(await server.admin.exists(`t${run}:broker:alive:closing-node`)).toBe(0);
    const names = String(await server.admin.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => line.includes('closing-node'));
    expect(names).toEqual([]);
    await expect(a?.publish('/topic/close', [], 'x')).rejects.toMatchObject({ reason: 'closed' });
    await expect(a?.subscribe('/topic/close', recorder(), { manualAck: false })).rejects.toMatchObject({
      reason: 'closed',
    });
  });

  it('rejects bad options and an unreachable Redis with clear errors', async () => {
    await expect(cluster('redis://127.0.0.1:1', 'x:').node({ connectTimeout: 300 })).rejects.toThrow(
      /cannot use Redis at redis:\/\/127\.0\.0\.1:1/,
    );
    await expect(cluster(server.url, 'x:').node({ nodeTimeout: 10 })).rejects.toThrow(/nodeTimeout/);
    await expect(cluster(server.url, 'x:').node({ nodeId: 'two words' })).rejects.toThrow(/nodeId/);
    fresh();
  });
});
