import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisBroker, type RedisBroker } from '../../../src/brokers/redis/index.js';
import { cluster, recorder, relay } from './support/nodes.js';

/*
 * Losing things: a node that loses Redis for good (its unacknowledged queue messages go to the survivors),
 * and Redis itself going away and coming back empty (nothing crashes, publishing fails clearly meanwhile,
 * and everything works again afterwards).
 */

const server = useRedisServer();

const logs: string[] = [];
const log = (severity: string, message: string) => {
  logs.push(`${severity} ${message}`);
};
let nodes: ReturnType<typeof cluster>;
afterEach(() => nodes.closeAll());

describe('Redis broker: a node that dies', () => {
  it('has its unacknowledged queue messages redelivered to the survivors, and leaves no ghost consumer', async () => {
    nodes = cluster(server.url, 'death:');
    const admin = new Redis(server.url);
    try {
      const path = await relay(server.port);
      // 900 ms: nodes beat and sweep every 300 ms, so a death is noticed within about 1.2 s.
      const dying = await nodes.node({ url: path.url, nodeId: 'dying', nodeTimeout: 900, log });
      const survivor = await nodes.node({ nodeId: 'survivor', nodeTimeout: 900, log });
      const doomed = recorder();
      await dying.subscribe('/queue/jobs', doomed, { manualAck: true, prefetch: 5 });
      for (let i = 0; i < 8; i++) await survivor.publish('/queue/jobs', [], String(i));
      await doomed.waitFor(5);
      const taker = recorder();
      await survivor.subscribe('/queue/jobs', taker, { manualAck: true });
      await taker.waitFor(3);
      expect(taker.bodies()).toEqual(['5', '6', '7']);

      await path.cut();
      await expect(dying.publish('/queue/jobs', [], 'x')).rejects.toMatchObject({
        reason: 'unavailable',
        message: expect.stringMatching(
          /^Sockwire Redis broker: Redis is unavailable .*cannot publish to \/queue\/jobs/,
        ),
      });
      // A deadline, not a speed claim: it stays below the 15 s default node timeout, so only the 900 ms one
      // configured above can have released the dead node's messages.
      await taker.waitFor(8, 10_000);
      expect(taker.got.slice(3).map((d) => [d.message.body, d.redelivered])).toEqual([
        ['0', true],
        ['1', true],
        ['2', true],
        ['3', true],
        ['4', true],
      ]);
      // The dead node's consumer is gone from the group once nothing of it is pending.
      await expect
        .poll(async () =>
          JSON.stringify(
            await admin.call('XINFO', 'CONSUMERS', 'death:broker:queue:/queue/jobs', 'sockwire'),
          ),
        )
        .not.toContain('dying');
      expect(dying.stats()).toMatchObject({ connection: expect.not.stringMatching(/^ready$/) });
      expect(dying.stats().errors).toBeGreaterThan(0);
    } finally {
      admin.disconnect();
    }
  });
});

describe('Redis broker: Redis goes away and comes back empty', () => {
  it('does not crash, rejects publishes clearly meanwhile, then resubscribes topics and recreates queues', async () => {
    nodes = cluster(server.url, 'outage:');
    const a = await nodes.node({ nodeTimeout: 900, log });
    const b = await nodes.node({ nodeTimeout: 900, log });
    const topic = recorder();
    const queue = recorder();
    await a.subscribe('/topic/news', topic, { manualAck: false });
    await a.subscribe('/queue/tasks', queue, { manualAck: false });
    await b.publish('/topic/news', [], 'before');
    await b.publish('/queue/tasks', [], 'before');
    await topic.waitFor(1);
    await queue.waitFor(1);

    const outageLogs = logs.length;
    await server.kill();
    await waitFor(() => b.stats().connection !== 'ready', 'the broker to notice');
    const failure = await b.publish('/topic/news', [], 'during').catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'RedisBrokerError', reason: 'unavailable' });
    expect(String(failure)).toMatch(
      /Redis is unavailable \(connection \w+\), cannot publish to \/topic\/news/,
    );
    await expect(b.subscribe('/topic/other', recorder(), { manualAck: false })).rejects.toMatchObject({
      reason: 'unavailable',
    });
    // Redis stays down until a node has retried and failed at least once (ioredis reports every failed
    // reconnect attempt; after the first error of an outage the broker logs them at debug level).
    await waitFor(
      () => logs.slice(outageLogs).some((line) => line.startsWith('debug') && line.includes('ECONNREFUSED')),
      'a failed reconnect attempt while Redis is down',
    );

    await server.start();
    await waitFor(() => a.stats().connection === 'ready' && b.stats().connection === 'ready', 'reconnection');
    // The subscriber connection resubscribes by itself; the queue's group is created again on NOGROUP.
    await waitFor(
      () => {
        void b.publish('/topic/news', [], 'after').catch(() => undefined);
        return topic.got.length > 1;
      },
      'the topic to work again',
      5000,
    );
    expect(topic.bodies().slice(-1)).toEqual(['after']);
    await b.publish('/queue/tasks', [], 'after');
    await queue.waitFor(2, 5000);
    expect(queue.bodies()).toEqual(['before', 'after']);
    expect(logs.some((line) => line.startsWith('error') && line.includes('command'))).toBe(true);
  });
});

describe('Redis broker: node id reuse', () => {
  it('a restarted node with the same id releases what its previous life left pending', async () => {
    nodes = cluster(server.url, 'reuse:');
    const path = await relay(server.port);
    const first: RedisBroker = await createRedisBroker({ url: path.url, keyPrefix: 'reuse:', nodeId: 'n1' });
    const held = recorder();
    await first.subscribe('/queue/reuse', held, { manualAck: true });
    await first.publish('/queue/reuse', [], 'pending');
    await held.waitFor(1);
    await path.cut();
    await first.close();
    const second = await nodes.node({ nodeId: 'n1' });
    const again = recorder();
    await second.subscribe('/queue/reuse', again, { manualAck: false });
    await again.waitFor(1);
    expect(again.got.map((d) => [d.message.body, d.redelivered])).toEqual([['pending', true]]);
  });
});
