import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamGap, StreamResume } from '../../../src/brokers/history.js';
import type { RedisBroker } from '../../../src/brokers/redis/index.js';
import { cluster } from './support/nodes.js';
import { fromOffset, resumer, span } from './support/streams.js';

/*
 * The replay-to-live switch with Redis: two nodes keep publishing while subscribers on four nodes (the
 * publishers among them, and nodes that are not subscribed to the channel yet) resume from various positions.
 * Each must get every offset from its start to the end exactly once, in order: no gap where the replay ends,
 * and no duplicate of what arrived live while the history was read.
 */

const server = useRedisServer();

let nodes: ReturnType<typeof cluster>;
afterEach(() => nodes.closeAll());

const DESTINATION = '/topic/switch';
const TOTAL = 3000;
const BATCH = 50;

interface Plan {
  /** Subscribe once the watcher has this many messages (plans with the same `at` subscribe concurrently). */
  readonly at: number;
  readonly on: number;
  readonly resume: (seen: number, epoch: string) => StreamResume | undefined;
  /** The first offset it must get, given where live delivery started for it. */
  readonly start: (seen: number, next: number) => number;
  /** The gap it must be told about first, if any. */
  readonly gap?: (epoch: string) => StreamGap;
}

const plans: Plan[] = [
  { at: 200, on: 2, resume: (seen, epoch) => fromOffset(seen - 150, epoch), start: (seen) => seen - 150 },
  { at: 600, on: 3, resume: () => ({ start: { kind: 'first' } }), start: () => 0 },
  { at: 1000, on: 0, resume: () => ({ start: { kind: 'last' } }), start: (_, next) => next - 1 },
  { at: 1400, on: 3, resume: () => undefined, start: (_, next) => next },
  { at: 1400, on: 3, resume: (seen) => fromOffset(seen - 1), start: (seen) => seen - 1 },
  { at: 1400, on: 1, resume: (seen, epoch) => fromOffset(seen - 700, epoch), start: (seen) => seen - 700 },
  { at: 2000, on: 2, resume: (seen, epoch) => fromOffset(seen, epoch), start: (seen) => seen },
  // Past the end of the numbering (a forged or foreign offset): an epoch gap, then everything retained.
  {
    at: 2000,
    on: 0,
    resume: (_, epoch) => fromOffset(10 * TOTAL, epoch),
    start: () => 0,
    gap: (epoch) => ({ reason: 'epoch', requested: 10 * TOTAL, resumedAt: 0, epoch }),
  },
  { at: 2400, on: 1, resume: () => ({ start: { kind: 'first' } }), start: () => 0 },
];

describe('Redis history: the replay-to-live switch under concurrent publishes', () => {
  it('every resuming subscriber gets each offset from its start to the last exactly once, in order', async () => {
    nodes = cluster(server.url, 'switch:');
    const brokers: RedisBroker[] = await Promise.all(
      [0, 1, 2, 3].map(() => nodes.node({ history: { size: 5000 } })),
    );
    const [a, b, c] = brokers as [RedisBroker, RedisBroker, RedisBroker];
    const watcher = resumer();
    await c.subscribe(DESTINATION, watcher, { manualAck: false });

    let resumed!: () => void;
    const allResumed = new Promise<void>((resolve) => {
      resumed = resolve;
    });
    let sent = 0;
    const publish = async (publisher: RedisBroker, name: string) => {
      const perPublisher = TOTAL / 2;
      for (let from = 0; from < perPublisher; from += BATCH) {
        // The last batch waits for every resume, so that each one has live messages after its switch.
        if (from + BATCH >= perPublisher) await allResumed;
        await Promise.all(
          span(from, from + BATCH).map((i) => publisher.publish(DESTINATION, [], `${name}${i}`)),
        );
        sent += BATCH;
        // A few batches ahead of the watcher at most, so that publishing spans the resumes.
        await waitFor(() => watcher.got.length >= sent - 3 * BATCH, `the watcher near ${sent}`, 10_000);
      }
    };
    const subscribers: {
      consumer: ReturnType<typeof resumer>;
      start: number;
      plan: Plan;
      epoch: string;
    }[] = [];
    const subscribeAll = async () => {
      for (const at of [...new Set(plans.map((plan) => plan.at))]) {
        await waitFor(() => watcher.got.length >= at, `the watcher at ${at}`, 10_000);
        const seen = watcher.got.length;
        const epoch = watcher.got[0]?.message.epoch ?? '';
        await Promise.all(
          plans
            .filter((plan) => plan.at === at)
            .map(async (plan) => {
              const consumer = resumer();
              const resume = plan.resume(seen, epoch);
              const handle = await brokers[plan.on]?.subscribe(DESTINATION, consumer, {
                manualAck: false,
                ...(resume === undefined ? {} : { resume }),
              });
              expect(handle?.position?.epoch).toBe(epoch);
              const start = plan.start(seen, handle?.position?.next ?? -1);
              subscribers.push({ consumer, start, plan, epoch });
            }),
        );
      }
      resumed();
    };
    await Promise.all([publish(a, 'a'), publish(b, 'b'), subscribeAll()]);

    await watcher.waitFor(TOTAL, 10_000);
    expect(watcher.offsets()).toEqual(span(0, TOTAL));
    for (const { consumer } of subscribers) {
      await waitFor(() => consumer.got.at(-1)?.message.offset === TOTAL - 1, 'the last offset', 10_000);
    }
    expect(subscribers).toHaveLength(plans.length);
    for (const { consumer, start, plan, epoch } of subscribers) {
      const what = `subscriber at ${plan.at} on node ${plan.on}, from ${start}`;
      expect(consumer.gaps, what).toEqual(plan.gap === undefined ? [] : [plan.gap(epoch)]);
      expect(consumer.offsets(), what).toEqual(span(start, TOTAL));
      // The same messages as the watcher got live under those offsets.
      const ids = consumer.got.map((delivery) => delivery.message.id);
      expect(ids, what).toEqual(watcher.got.slice(start).map((delivery) => delivery.message.id));
    }
  });

  it('a replay goes out only as fast as the consumer takes it, live messages wait, and none is lost', async () => {
    nodes = cluster(server.url, 'paced:');
    const [a, b] = await Promise.all([nodes.node(), nodes.node()]);
    for (let i = 0; i < 20; i++) await a.publish(DESTINATION, [], `r${i}`);
    // A consumer whose buffer takes three messages, then drains a moment later.
    const consumer = resumer();
    let room = 3;
    let refused = 0;
    let overrun = false;
    const paced = {
      ...consumer,
      deliver(delivery: Parameters<typeof consumer.deliver>[0]) {
        // Only the replay is paced: live messages are delivered as they come, as on any subscription.
        if (room <= 0 && (delivery.message.offset ?? 0) < 20) overrun = true;
        room--;
        consumer.deliver(delivery);
      },
      whenWritable(resume: () => void) {
        if (room > 0) return true;
        refused++;
        setTimeout(() => {
          room = 3;
          resume();
        }, 2);
        return false;
      },
    };
    const handle = await b.subscribe(DESTINATION, paced, { manualAck: false, resume: fromOffset(0) });
    // Subscribed while the replay is still going out; publishes from then on must follow it.
    expect(handle.position?.next).toBe(20);
    expect(consumer.got.length).toBeLessThan(20);
    for (let i = 20; i < 30; i++) await a.publish(DESTINATION, [], `l${i}`);
    await waitFor(() => consumer.got.length >= 30, 'the replay and the live messages', 10_000);
    expect(consumer.offsets()).toEqual(span(0, 30));
    expect(consumer.bodies()).toEqual([
      ...span(0, 20).map((i) => `r${i}`),
      ...span(20, 30).map((i) => `l${i}`),
    ]);
    expect(overrun).toBe(false);
    expect(refused).toBeGreaterThanOrEqual(6);
  });

  it('a message published without history (for one session) takes no offset, and the numbering goes on', async () => {
    nodes = cluster(server.url, 'unkept:');
    const [a, b] = await Promise.all([nodes.node(), nodes.node()]);
    const watcher = resumer();
    await b.subscribe(DESTINATION, watcher, { manualAck: false });
    await a.publish(DESTINATION, [], 'kept0');
    await a.publish(DESTINATION, [], 'for one session', { history: false });
    await a.publish(DESTINATION, [], 'kept1');
    await watcher.waitFor(3);
    expect(watcher.got.map((d) => [d.message.body, d.message.offset])).toEqual([
      ['kept0', 0],
      ['for one session', undefined],
      ['kept1', 1],
    ]);
    const replay = resumer();
    await b.subscribe(DESTINATION, replay, { manualAck: false, resume: { start: { kind: 'first' } } });
    expect(replay.bodies()).toEqual(['kept0', 'kept1']);
  });
});
