import { describe, expect, it } from 'vitest';
import {
  createMemoryBroker,
  type Delivery,
  type HistoryOptions,
  type MemoryBroker,
  type StreamGap,
  type StreamResume,
} from '../../../src/brokers/index.js';
import { createStompBroker } from '../../../src/stomp/index.js';

/*
 * The memory broker's history limits at the broker API (no STOMP): how many destinations keep history, the byte
 * budget across them, per-prefix size and ttl rules, and the validation of the options.
 */

/** A consumer that records its deliveries and gaps. */
function consumer() {
  const got: Delivery[] = [];
  const gaps: StreamGap[] = [];
  return {
    got,
    gaps,
    deliver: (delivery: Delivery) => got.push(delivery),
    gap: (gap: StreamGap) => gaps.push(gap),
    offsets: () => got.map((d) => d.message.offset),
    bodies: () => got.map((d) => d.message.body),
  };
}

/** Subscribes with `resume` and returns what the subscription got synchronously (the replay and any gap). */
function resume(broker: MemoryBroker, destination: string, start: StreamResume) {
  const c = consumer();
  broker.subscribe(destination, c, { manualAck: false, resume: start });
  return c;
}

const first: StreamResume = { start: { kind: 'first' } };
const at = (offset: number, epoch?: string): StreamResume =>
  epoch === undefined ? { start: { kind: 'offset', offset } } : { start: { kind: 'offset', offset }, epoch };

/** Publishes `bodies` to `destination` while a live consumer watches; returns the epoch they were numbered in. */
function publishAll(
  broker: MemoryBroker,
  destination: string,
  bodies: readonly string[],
): string | undefined {
  const watch = consumer();
  const handle = broker.subscribe(destination, watch, { manualAck: false });
  for (const body of bodies) broker.publish(destination, [], body);
  handle.cancel();
  return watch.got[0]?.message.epoch;
}

const history = (broker: MemoryBroker) => broker.stats().history;

describe('maxDestinations', () => {
  it('drops the destination appended to least recently; resuming it with its epoch is an epoch gap', () => {
    const broker = createMemoryBroker({ history: { maxDestinations: 2 } });
    publishAll(broker, '/topic/a', ['a0']);
    const epochB = publishAll(broker, '/topic/b', ['b0', 'b1']);
    publishAll(broker, '/topic/a', ['a1']); // a is now the most recently appended, b the least
    publishAll(broker, '/topic/c', ['c0']);
    expect(history(broker)?.destinations).toBe(2);

    // b's numbering is gone: a resume with its epoch is told so. The SUBSCRIBE's own new numbering is not kept,
    // since it would push out a destination that has messages.
    const b = resume(broker, '/topic/b', at(2, epochB));
    expect(b.gaps.map((gap) => [gap.reason, gap.requested, gap.resumedAt])).toEqual([['epoch', 2, 0]]);
    expect([b.got, history(broker)?.destinations]).toEqual([[], 2]);
    // Without an epoch, an offset past the end of the current numbering was counted in another one.
    expect(resume(broker, '/topic/b', at(1)).gaps.map((g) => g.reason)).toEqual(['epoch']);
    expect(resume(broker, '/topic/a', first).bodies()).toEqual(['a0', 'a1']);
    expect(resume(broker, '/topic/c', first).bodies()).toEqual(['c0']);

    // b comes back as a new stream (offset 0, another epoch) and pushes out a, now the least recent.
    const renewed = publishAll(broker, '/topic/b', ['b2']);
    expect(renewed).not.toBe(epochB);
    const again = resume(broker, '/topic/b', at(0, epochB));
    expect([again.gaps[0]?.reason, again.gaps[0]?.epoch, again.offsets(), again.bodies()]).toEqual([
      'epoch',
      renewed,
      [0],
      ['b2'],
    ]);
    expect([resume(broker, '/topic/a', first).got, history(broker)?.destinations]).toEqual([[], 2]);
  });

  it('numberings created by SUBSCRIBEs alone go first when destinations are over the limit', () => {
    const broker = createMemoryBroker({ history: { maxDestinations: 2 } });
    const epochA = publishAll(broker, '/topic/a', ['a0']);
    resume(broker, '/topic/empty', first);
    expect(history(broker)?.destinations).toBe(2);
    publishAll(broker, '/topic/b', ['b0']);
    // The empty numbering went, not a's history.
    expect(resume(broker, '/topic/a', at(0, epochA)).bodies()).toEqual(['a0']);
  });

  it('eviction frees the evicted destination’s bytes', () => {
    const broker = createMemoryBroker({ history: { maxDestinations: 1 } });
    publishAll(broker, '/topic/small', ['s']);
    const small = history(broker)?.bytes ?? 0;
    publishAll(broker, '/topic/big', ['x'.repeat(5000)]);
    const big = history(broker)?.bytes ?? 0;
    expect(big).toBeGreaterThan(5000);
    publishAll(broker, '/topic/small', ['s']);
    expect([history(broker)?.destinations, history(broker)?.bytes]).toEqual([1, small]);
  });
});

describe('maxBytes', () => {
  const BUDGET = 4000;
  const body = (i: number) => `${i}`.padEnd(150, '.');

  it('keeps retained bytes within the budget plus one message, dropping the oldest and keeping suffixes', () => {
    const broker = createMemoryBroker({ history: { maxBytes: BUDGET } });
    const destinations = ['/topic/x', '/topic/y', '/user/u/queue/z'];
    const sizes: number[] = [];
    for (let i = 0; i < 300; i++) {
      broker.publish(destinations[i % 3] as string, [['h', 'v']], body(i));
      sizes.push(history(broker)?.bytes ?? Number.NaN);
    }
    // One message weighs ~150 chars of body plus headers and bookkeeping: well under 400.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BUDGET + 400);
    expect(Math.min(...sizes.slice(100))).toBeGreaterThan(BUDGET - 400);
    let replayed = 0;
    for (const [d, destination] of destinations.entries()) {
      const c = resume(broker, destination, first);
      const offsets = c.offsets() as number[];
      const count = offsets.length;
      // What is left of each destination is its newest messages, consecutive, up to its last (offset 99).
      expect(offsets).toEqual(Array.from({ length: count }, (_, i) => 100 - count + i));
      expect(c.bodies()).toEqual(offsets.map((offset) => body(offset * 3 + d)));
      replayed += count;
    }
    expect(replayed).toBeGreaterThan(0);
    expect(history(broker)).toEqual({ destinations: 3, bytes: sizes.at(-1), replayed });
  });

  it('a single message larger than the budget is kept alone, pushing out everything older', () => {
    const broker = createMemoryBroker({ history: { maxBytes: BUDGET } });
    for (let i = 0; i < 20; i++) broker.publish('/topic/small', [], body(i));
    broker.publish('/topic/huge', [], 'h'.repeat(3 * BUDGET));
    const bytes = history(broker)?.bytes ?? 0;
    expect(bytes).toBeGreaterThan(3 * BUDGET);
    expect(bytes).toBeLessThanOrEqual(3 * BUDGET + 400);
    expect(resume(broker, '/topic/huge', first).got).toHaveLength(1);
    expect(resume(broker, '/topic/small', first).got).toEqual([]);
    // The next small message pushes the huge one out in turn.
    broker.publish('/topic/small', [], body(20));
    expect(history(broker)?.bytes).toBeLessThanOrEqual(BUDGET);
    expect(resume(broker, '/topic/huge', first).got).toEqual([]);
  });

  it('counts replayed messages, not live ones', () => {
    const broker = createMemoryBroker();
    publishAll(broker, '/topic/count', ['0', '1', '2', '3']);
    resume(broker, '/topic/count', at(1));
    resume(broker, '/topic/count', { start: { kind: 'last' } });
    resume(broker, '/topic/count', { start: { kind: 'next' } });
    resume(broker, '/queue/count', first);
    broker.publish('/topic/count', [], '4');
    expect(history(broker)?.replayed).toBe(4);
  });
});

describe('per-prefix rules', () => {
  const now = { ms: 0 };
  const options: HistoryOptions = {
    size: 50,
    ttl: 100,
    // Given longest first and shortest last on purpose: the order must not matter.
    rules: [
      { prefix: '/topic/prices.', size: 2 },
      { prefix: '/topic/fast.', ttl: 1 },
      { prefix: '/topic/off.', size: 0 },
      { prefix: '/topic/nottl.', ttl: 0 },
      { prefix: '/queue/', size: 10 },
      { prefix: '/topic/', size: 5 },
    ],
  };
  const tenEach = (broker: MemoryBroker, destinations: readonly string[]) => {
    for (const destination of destinations)
      for (let i = 0; i < 10; i++) broker.publish(destination, [], `${i}`);
  };

  it('the longest matching prefix sets size and ttl; a rule without one takes the global value', () => {
    now.ms = 0;
    const broker = createMemoryBroker({ history: options, now: () => now.ms });
    tenEach(broker, ['/topic/chat', '/topic/prices.eur', '/topic/fast.tick', '/user/u/queue/inbox']);
    expect(resume(broker, '/topic/chat', first).offsets()).toEqual([5, 6, 7, 8, 9]);
    expect(resume(broker, '/topic/prices.eur', first).offsets()).toEqual([8, 9]);
    // The fast. rule sets only the ttl: its size is the global 50, not the /topic/ rule's 5.
    expect(resume(broker, '/topic/fast.tick', first).got).toHaveLength(10);
    expect(resume(broker, '/user/u/queue/inbox', first).got).toHaveLength(10);
    now.ms = 1000; // the fast. messages are 1 s old: gone; the others (100 s) stay.
    const fast = resume(broker, '/topic/fast.tick', at(3));
    expect([fast.gaps.map((g) => g.reason), fast.got]).toEqual([['truncated'], []]);
    expect(resume(broker, '/topic/chat', first).got).toHaveLength(5);
    now.ms = 100_000;
    expect(resume(broker, '/topic/chat', first).got).toEqual([]);
  });

  it('size 0 or ttl 0 in a rule turns history off there: no offsets, and a no-history gap', () => {
    const broker = createMemoryBroker({ history: options });
    const live = consumer();
    broker.subscribe('/topic/off.x', live, { manualAck: false });
    tenEach(broker, ['/topic/off.x', '/topic/nottl.y']);
    expect(live.offsets()).toEqual(Array(10).fill(undefined));
    for (const destination of ['/topic/off.x', '/topic/nottl.y']) {
      const c = resume(broker, destination, at(0));
      expect([c.gaps, c.got]).toEqual([
        [{ reason: 'no-history', requested: 0, resumedAt: undefined, epoch: undefined }],
        [],
      ]);
    }
    expect(history(broker)?.destinations).toBe(0);
  });

  it('a rule cannot give a queue history', () => {
    const broker = createMemoryBroker({ history: options });
    broker.publish('/queue/jobs', [], 'job');
    const c = resume(broker, '/queue/jobs', first);
    expect([c.gaps.map((g) => g.reason), c.bodies(), c.offsets()]).toEqual([
      ['no-history'],
      ['job'],
      [undefined],
    ]);
  });
});

describe('invalid history options', () => {
  it.each([
    [{ size: -1 }, 'history.size'],
    [{ size: 1.5 }, 'history.size'],
    [{ ttl: Number.NaN }, 'history.ttl'],
    [{ ttl: Number.POSITIVE_INFINITY }, 'history.ttl'],
    [{ maxDestinations: -3 }, 'history.maxDestinations'],
    [{ maxBytes: 0.5 }, 'history.maxBytes'],
    [{ size: '10' as unknown as number }, 'history.size'],
    [{ rules: [{ prefix: 'topic/x', size: 1 }] }, 'prefix must start with "/"'],
    [{ rules: [{ prefix: '/topic/x', size: -2 }] }, 'history rule /topic/x size'],
    [{ rules: [{ prefix: '/topic/x', ttl: 0.1 }] }, 'history rule /topic/x ttl'],
  ] as [HistoryOptions, string][])('%j is a TypeError naming %s', (given, name) => {
    expect(() => createMemoryBroker({ history: given })).toThrow(TypeError);
    expect(() => createMemoryBroker({ history: given })).toThrow(name);
    expect(() => createStompBroker({ history: given })).toThrow(name);
  });

  it('createStompBroker refuses history together with a broker of its own', () => {
    const broker = createMemoryBroker();
    expect(() => createStompBroker({ broker, history: { size: 5 } })).toThrow(TypeError);
    expect(() => createStompBroker({ broker, history: false })).toThrow(
      /history configures the default broker/,
    );
  });
});
