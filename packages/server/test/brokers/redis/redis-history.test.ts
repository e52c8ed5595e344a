import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisBroker } from '../../../src/brokers/redis/index.js';
import { cluster, relay } from './support/nodes.js';
import { fromOffset, resumer, span, untilSubscribable } from './support/streams.js';

/*
 * Topic history kept in Redis: offsets assigned by Redis across nodes, resumes served by any node, the size and
 * time limits, the broker-wide limits, and epochs that survive nodes but not a Redis that lost its data.
 */

const server = useRedisServer();

let run = 0;
let nodes: ReturnType<typeof cluster>;
let prefix = '';
afterEach(() => nodes.closeAll());
/** Nodes of a fresh cluster: each test has its own key prefix. */
function fresh() {
  prefix = `h${++run}:`;
  nodes = cluster(server.url, prefix);
  return nodes;
}

const live = { manualAck: false } as const;
const first = { manualAck: false, resume: { start: { kind: 'first' } } } as const;

/** The epoch a destination's history is in now, as a plain subscription on `node` reports it. */
async function epochOf(node: RedisBroker, destination: string): Promise<string | undefined> {
  const handle = await node.subscribe(destination, resumer(), live);
  await handle.cancel();
  return handle.position?.epoch;
}

describe('Redis history: offsets and resume across nodes', () => {
  it('numbers messages consecutively across two nodes publishing at once, in the order every node gets them', async () => {
    const { node } = fresh();
    const [a, b, c] = await Promise.all([node(), node(), node()]);
    const onC = resumer();
    const onA = resumer();
    await c.subscribe('/topic/h', onC, live);
    await a.subscribe('/topic/h', onA, live);
    const perNode = 300;
    const sent: Promise<string>[] = [];
    for (let i = 0; i < perNode; i++) {
      sent.push(
        a.publish('/topic/h', [['from', 'a']], `a${i}`),
        b.publish('/topic/h', [['from', 'b']], `b${i}`),
      );
    }
    await Promise.all(sent);
    await onC.waitFor(2 * perNode);
    await onA.waitFor(2 * perNode);
    expect(onC.offsets()).toEqual(span(0, 2 * perNode));
    expect(onC.epochs().size).toBe(1);
    const order = (got: typeof onC.got) => got.map((d) => [d.message.offset, d.message.id, d.message.body]);
    expect(order(onA.got)).toEqual(order(onC.got));
    // The history holds the same sequence, and a third node replays it.
    const replay = resumer();
    await c.subscribe('/topic/h', replay, first);
    expect(order(replay.got)).toEqual(order(onC.got));
    expect(replay.got.every((d) => d.message.epoch === onC.got[0]?.message.epoch)).toBe(true);
  });

  it('a resume from the middle is served by another node than the publisher, then continues live', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node(), node()]);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await a.publish('/topic/m', [['n', String(i)]], `m${i}`));
    const epoch = await epochOf(b, '/topic/m');
    expect(epoch).toMatch(/^\S+$/);

    const middle = resumer();
    const handle = await b.subscribe('/topic/m', middle, { manualAck: false, resume: fromOffset(4, epoch) });
    expect(handle.position).toEqual({ next: 10, epoch });
    expect(middle.gaps).toEqual([]);
    expect(
      middle.got.map((d) => [d.message.offset, d.message.id, d.message.body, d.message.headers]),
    ).toEqual(span(4, 10).map((i) => [i, ids[i], `m${i}`, [['n', String(i)]]]));
    const last = resumer();
    await b.subscribe('/topic/m', last, { manualAck: false, resume: { start: { kind: 'last' } } });
    const forged = resumer();
    await b.subscribe('/topic/m', forged, { manualAck: false, resume: fromOffset(50, epoch) });
    const next = resumer();
    const nextHandle = await b.subscribe('/topic/m', next, live);
    expect(nextHandle.position).toEqual({ next: 10, epoch });

    const before = [middle, last, forged, next].map((consumer) => consumer.got.length);
    await a.publish('/topic/m', [], 'live');
    await Promise.all(
      [middle, last, forged, next].map((consumer, i) => consumer.waitFor((before[i] ?? 0) + 1)),
    );
    expect(middle.offsets()).toEqual(span(4, 11));
    expect(middle.got.at(-1)?.message).toMatchObject({ body: 'live', epoch });
    expect(last.offsets()).toEqual([9, 10]);
    // Past the end of this numbering: counted in another one, so an epoch gap and everything retained.
    expect(forged.timeline).toEqual([
      { reason: 'epoch', requested: 50, resumedAt: 0, epoch },
      ...span(0, 11),
    ]);
    expect(next.offsets()).toEqual([10]);
    expect(b.stats().history).toMatchObject({ replayed: 6 + 1 + 10 });
  });

  it('past the size limit: a resume from a dropped offset is a truncated gap, then what is retained', async () => {
    const { node } = fresh();
    const history = { size: 3, rules: [{ prefix: '/topic/big.', size: 100 }] };
    const [a, b] = await Promise.all([node({ history }), node({ history })]);
    for (let i = 0; i < 10; i++) {
      await a.publish('/topic/small', [], `s${i}`);
      await a.publish('/topic/big.one', [], `b${i}`);
    }
    const epoch = await epochOf(b, '/topic/small');
    const truncated = resumer();
    await b.subscribe('/topic/small', truncated, { manualAck: false, resume: fromOffset(2, epoch) });
    expect(truncated.timeline).toEqual([{ reason: 'truncated', requested: 2, resumedAt: 7, epoch }, 7, 8, 9]);
    expect(truncated.bodies()).toEqual(['s7', 's8', 's9']);
    const everything = resumer();
    await b.subscribe('/topic/small', everything, first);
    expect([everything.offsets(), everything.gaps]).toEqual([[7, 8, 9], []]);
    expect(await server.admin.xlen(`${prefix}broker:history:/topic/small`)).toBe(3);
    // A rule's prefix keeps more.
    const big = resumer();
    await b.subscribe('/topic/big.one', big, first);
    expect(big.offsets()).toEqual(span(0, 10));
  });

  it('an offset of another epoch is an epoch gap, then everything retained', async () => {
    const { node } = fresh();
    const [a] = await Promise.all([node()]);
    for (let i = 0; i < 3; i++) await a.publish('/topic/e', [], `e${i}`);
    const epoch = await epochOf(a, '/topic/e');
    const stale = resumer();
    await a.subscribe('/topic/e', stale, { manualAck: false, resume: fromOffset(1, 'gone-epoch') });
    expect(stale.timeline).toEqual([{ reason: 'epoch', requested: 1, resumedAt: 0, epoch }, 0, 1, 2]);
  });

  it('replayed messages take client acks; a NACKed one comes back redelivered', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node(), node()]);
    for (let i = 0; i < 3; i++) await a.publish('/topic/acks', [], `k${i}`);
    const acking = resumer();
    const handle = await b.subscribe('/topic/acks', acking, { ...first, manualAck: true });
    expect(acking.offsets()).toEqual([0, 1, 2]);
    handle.ack(acking.got[0]?.tag ?? 0);
    handle.nack(acking.got[1]?.tag ?? 0);
    expect(acking.got.slice(3).map((d) => [d.message.offset, d.redelivered])).toEqual([[1, true]]);
  });
});

describe('Redis history: the time limit', () => {
  it('drops messages past the ttl (injected clock); the numbering outlives them while its keys exist', async () => {
    const { node } = fresh();
    let clock = 1_000_000;
    const options = { history: { ttl: 10 }, now: () => clock };
    const [a, b] = await Promise.all([node(options), node(options)]);
    for (let i = 0; i < 3; i++) await a.publish('/topic/t', [], `old${i}`);
    clock += 5000;
    for (let i = 0; i < 2; i++) await a.publish('/topic/t', [], `new${i}`);
    const epoch = await epochOf(b, '/topic/t');
    // Both keys of the history, and the shared ones, expire (in Redis's time) with the newest message.
    const keys = (await server.admin.keys(`${prefix}broker:history*`)).sort();
    expect(keys).toEqual(
      ['history-bytes', 'history-index', 'history-meta:/topic/t', 'history-sizes', 'history:/topic/t']
        .map((name) => `${prefix}broker:${name}`)
        .sort(),
    );
    // The history's own keys go with its newest message; the shared ones outlive every history (at most 2 ttl).
    for (const key of keys) {
      const ttl = await server.admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(key.includes('/topic/t') ? 10_000 : 20_000);
    }

    clock += 7000; // the first three are 12 s old, the last two 7 s
    const truncated = resumer();
    await b.subscribe('/topic/t', truncated, { manualAck: false, resume: fromOffset(0, epoch) });
    expect(truncated.timeline).toEqual([{ reason: 'truncated', requested: 0, resumedAt: 3, epoch }, 3, 4]);

    clock += 4000; // everything is at least 11 s old: nothing is replayed, and the client is told
    const expired = resumer();
    const handle = await b.subscribe('/topic/t', expired, { manualAck: false, resume: fromOffset(3, epoch) });
    expect(handle.position).toEqual({ next: 5, epoch });
    expect(expired.timeline).toEqual([{ reason: 'truncated', requested: 3, resumedAt: 5, epoch }]);
    await a.publish('/topic/t', [], 'again');
    await expired.waitFor(1);
    expect(expired.got[0]?.message).toMatchObject({ offset: 5, body: 'again', epoch });
  });

  it("with Redis's clock, an idle history's keys expire with its last message and nothing is left behind", async () => {
    const { node } = fresh();
    const [a] = await Promise.all([node({ history: { ttl: 1 } })]);
    const watcher = resumer();
    const handle = await a.subscribe('/topic/idle', watcher, live);
    await a.publish('/topic/idle', [], 'one');
    await a.publish('/topic/idle', [], 'two');
    await watcher.waitFor(2);
    // Kept (numbered) whatever the time now: the keys existed, in the epoch the subscription learned.
    expect(watcher.offsets()).toEqual([0, 1]);
    const epoch = watcher.got[0]?.message.epoch;
    expect(epoch).toBe(handle.position?.epoch);
    await expect.poll(() => server.admin.keys(`${prefix}broker:history*`), { timeout: 5000 }).toEqual([]);
    await a.publish('/topic/idle', [], 'three');
    await watcher.waitFor(3);
    expect(watcher.got[2]?.message).toMatchObject({ offset: 0, body: 'three' });
    expect(watcher.got[2]?.message.epoch).not.toBe(epoch);
  });
  it('a SUBSCRIBE to a destination never published to creates its epoch, which expires by itself', async () => {
    const { node } = fresh();
    const [a] = await Promise.all([node({ history: { ttl: 1 } })]);
    const handle = await a.subscribe('/topic/quiet', resumer(), live);
    expect([handle.position?.next, handle.position?.epoch]).toEqual([0, expect.stringMatching(/^\S+$/)]);
    // At most the numbering (gone already if this machine is slow): no shared key, which would have no ttl.
    const meta = `${prefix}broker:history-meta:/topic/quiet`;
    expect((await server.admin.keys(`${prefix}broker:*history*`)).filter((key) => key !== meta)).toEqual([]);
    await expect.poll(() => server.admin.keys(`${prefix}broker:*history*`), { timeout: 5000 }).toEqual([]);
  });
});

describe('Redis history: epochs', () => {
  it('survive nodes: one that closes, and one that loses Redis for good, change nothing for the others', async () => {
    const { node } = fresh();
    const path = await relay(server.port);
    const closing = await node();
    const dying = await node({ url: path.url });
    for (let i = 0; i < 3; i++) await closing.publish('/topic/nodes', [], `c${i}`);
    for (let i = 3; i < 5; i++) await dying.publish('/topic/nodes', [], `d${i}`);
    const epoch = await epochOf(closing, '/topic/nodes');
    await closing.close();
    await path.cut();

    const newcomer = await node();
    await newcomer.publish('/topic/nodes', [], 'n5');
    const resumed = resumer();
    await newcomer.subscribe('/topic/nodes', resumed, { manualAck: false, resume: fromOffset(2, epoch) });
    expect(resumed.gaps).toEqual([]);
    expect(resumed.got.map((d) => [d.message.offset, d.message.body, d.message.epoch])).toEqual([
      [2, 'c2', epoch],
      [3, 'd3', epoch],
      [4, 'd4', epoch],
      [5, 'n5', epoch],
    ]);
  });

  it('change when Redis restarts without its data: a resume in the old epoch gets an epoch gap', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node({ nodeTimeout: 900 }), node({ nodeTimeout: 900 })]);
    for (let i = 0; i < 4; i++) await a.publish('/topic/lost', [], `before${i}`);
    const epoch = await epochOf(b, '/topic/lost');
    await server.kill();
    await server.start();
    await waitFor(
      () => a.stats().connection === 'ready' && b.stats().connection === 'ready',
      'the nodes to reconnect',
      10_000,
    );
    await untilSubscribable(b);
    await a.publish('/topic/lost', [], 'after0');
    await a.publish('/topic/lost', [], 'after1');
    const resumed = resumer();
    const handle = await b.subscribe('/topic/lost', resumed, {
      manualAck: false,
      resume: fromOffset(3, epoch),
    });
    const now = handle.position?.epoch;
    expect(now).not.toBe(epoch);
    expect(resumed.timeline).toEqual([{ reason: 'epoch', requested: 3, resumedAt: 0, epoch: now }, 0, 1]);
    expect(resumed.bodies()).toEqual(['after0', 'after1']);
  });

  it('change when Redis lost half of a history (its meta key evicted or deleted): it starts again', async () => {
    const { node } = fresh();
    const [a] = await Promise.all([node()]);
    for (let i = 0; i < 4; i++) await a.publish('/topic/half', [], `h${i}`);
    const epoch = await epochOf(a, '/topic/half');
    await server.admin.del(`${prefix}broker:history-meta:/topic/half`);
    const during = resumer();
    const handle = await a.subscribe('/topic/half', during, {
      manualAck: false,
      resume: fromOffset(1, epoch),
    });
    // Nothing is trusted of a half history: no replay, and the numbering starts again in a new epoch.
    const now = handle.position?.epoch;
    expect(now).toMatch(/^\S+$/);
    expect(now).not.toBe(epoch);
    expect(handle.position?.next).toBe(0);
    expect(during.timeline).toEqual([{ reason: 'epoch', requested: 1, resumedAt: 0, epoch: now }]);
    await a.publish('/topic/half', [], 'fresh');
    const replay = resumer();
    await a.subscribe('/topic/half', replay, first);
    expect(replay.got.map((d) => [d.message.offset, d.message.body, d.message.epoch])).toEqual([
      [0, 'fresh', now],
    ]);
    expect(await server.admin.xlen(`${prefix}broker:history:/topic/half`)).toBe(1);
  });
});

describe('Redis history: destinations without history', () => {
  it('a queue, a topic under a size-0 rule and a broker with history off answer a resume with no-history', async () => {
    const { node } = fresh();
    const a = await node({ history: { rules: [{ prefix: '/topic/volatile.', size: 0 }] } });
    const off = await node({ history: false });
    const resume = fromOffset(5);
    const cases = [
      [a, '/queue/jobs'],
      [a, '/topic/volatile.x'],
      [off, '/topic/plain'],
    ] as const;
    for (const [broker, destination] of cases) {
      const consumer = resumer();
      const handle = await broker.subscribe(destination, consumer, { manualAck: false, resume });
      expect(handle.position).toBeUndefined();
      await broker.publish(destination, [], 'x');
      await consumer.waitFor(1);
      expect(consumer.timeline).toEqual([
        { reason: 'no-history', requested: 5, resumedAt: undefined, epoch: undefined },
        -1,
      ]);
      expect(consumer.got[0]?.message.epoch).toBeUndefined();
      await handle.cancel();
    }
    expect(await server.admin.keys(`${prefix}broker:history*`)).toEqual([]);
  });
});

describe('Redis history: limits across destinations', () => {
  it('maxDestinations drops the history that expires first; a dropped one starts a new epoch', async () => {
    const { node } = fresh();
    let clock = 5_000_000;
    const [a] = await Promise.all([node({ history: { maxDestinations: 2 }, now: () => clock })]);
    for (const name of ['d1', 'd2', 'd3']) {
      await a.publish(`/topic/${name}`, [], name);
      clock += 1000;
    }
    const kept = async (destination: string) => {
      const consumer = resumer();
      await a.subscribe(destination, consumer, first);
      return consumer.bodies();
    };
    expect([await kept('/topic/d1'), await kept('/topic/d2'), await kept('/topic/d3')]).toEqual([
      [],
      ['d2'],
      ['d3'],
    ]);
    expect(await server.admin.zrange(`${prefix}broker:history-index`, '0', '-1')).toEqual([
      '/topic/d2',
      '/topic/d3',
    ]);
    expect(await server.admin.exists(`${prefix}broker:history:/topic/d1`)).toBe(0);
  });

  it('maxBytes drops the oldest messages of the history that expires first, keeping the one just published', async () => {
    const { node } = fresh();
    let clock = 7_000_000;
    // Each message weighs 176: a 100-byte body, `[]`, a one-digit id, `/topic/bN` and 64.
    const [a] = await Promise.all([node({ history: { maxBytes: 600 }, now: () => clock, nodeTimeout: 300 })]);
    const body = 'x'.repeat(100);
    const publish = async (destination: string) => {
      await a.publish(destination, [], body);
      clock += 1000;
    };
    const kept = async (destination: string) => {
      const consumer = resumer();
      await a.subscribe(destination, consumer, first);
      return consumer.offsets();
    };
    await publish('/topic/b1');
    await publish('/topic/b1');
    await publish('/topic/b2');
    await publish('/topic/b2');
    expect([await kept('/topic/b1'), await kept('/topic/b2')]).toEqual([[1], [0, 1]]);
    expect(await server.admin.get(`${prefix}broker:history-bytes`)).toBe(String(3 * 176));
    await publish('/topic/b2');
    expect([await kept('/topic/b1'), await kept('/topic/b2')]).toEqual([[], [0, 1, 2]]);
    await waitFor(
      () => a.stats().history?.destinations === 1 && a.stats().history?.bytes === 3 * 176,
      'the sampled stats to say one destination and its three messages',
    );
  });
});
