import { describe, expect, it } from 'vitest';
import {
  BrokerFailure,
  BrokerQuotaError,
  type Delivery,
  MEMORY_BROKER_DEFAULTS,
  MemoryBroker,
  type MemoryBrokerOptions,
} from '../../../src/brokers/index.js';

/*
 * The memory broker's queue quotas at the broker API (no STOMP): how many queues exist at once, the bytes one
 * queue and all queues hold, idle queues expiring on the injected clock, and `wouldCreate`, which the STOMP
 * layer's 'create' authorization relies on. The attack they answer: every new `/queue/*` name became a queue
 * of up to 1000 messages, kept forever after the client left.
 */

const KB60 = 'x'.repeat(60_000);

/** A consumer that records what it got. */
function consumer() {
  const got: Delivery[] = [];
  return {
    got,
    deliver: (delivery: Delivery) => got.push(delivery),
    bodies: () => got.map((d) => d.message.body),
  };
}

/** A broker on a clock the test moves (ms). */
function clocked(options: MemoryBrokerOptions = {}) {
  const clock = { ms: 1_000_000 };
  const broker = new MemoryBroker({ ...options, now: () => clock.ms });
  return { broker, clock };
}

/** The quota error `publish` throws, or a failure when it does not throw one. */
function quotaError(run: () => unknown): BrokerQuotaError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerQuotaError);
    return error as BrokerQuotaError;
  }
  throw new Error('expected a BrokerQuotaError, nothing was thrown');
}

describe('memory broker queue quotas', () => {
  it('documents its defaults: 10 000 queues, 8 MiB per queue, 256 MiB in all, 600 s idle', () => {
    expect(MEMORY_BROKER_DEFAULTS).toMatchObject({
      maxQueuedMessages: 1000,
      maxQueuedBytes: 8 * 1024 * 1024,
      maxTotalQueuedBytes: 256 * 1024 * 1024,
      maxQueues: 10_000,
      queueIdleTtl: 600,
    });
  });

  it('the attack scaled down: 60 KB SENDs to ever new queue names stop at maxTotalQueuedBytes; memory stays bounded', () => {
    const broker = new MemoryBroker({ maxTotalQueuedBytes: 1_000_000 });
    let accepted = 0;
    const error = quotaError(() => {
      for (let i = 0; i < 1500; i++) {
        broker.publish(`/queue/q${i}`, [], KB60);
        accepted++;
      }
    });
    // Named, and not a (retryable) broker failure: waiting does not help the sender, consumers do.
    expect([error.quota, error.limit, error instanceof BrokerFailure]).toEqual([
      'maxTotalQueuedBytes',
      1_000_000,
      false,
    ]);
    expect(accepted).toBe(16);
    const stats = broker.stats();
    expect(stats.queuedBytes).toBeLessThanOrEqual(1_000_000);
    expect(stats.queuedBytes).toBeGreaterThan(1_000_000 - 61_000);
    expect([stats.queued, stats.published, stats.destinations]).toEqual([16, 16, 16]);
  });

  it('the default 256 MiB: the issue’s 1,500 SENDs of 60 KB fit (and expire), about 4,470 do not', () => {
    const broker = new MemoryBroker();
    let accepted = 0;
    const error = quotaError(() => {
      for (let i = 0; i < 5000; i++) {
        broker.publish(`/queue/q${i}`, [], KB60);
        accepted++;
      }
    });
    expect(error.quota).toBe('maxTotalQueuedBytes');
    expect(accepted).toBeGreaterThan(4400);
    expect(accepted).toBeLessThan(4480);
    expect(broker.stats().queuedBytes).toBeLessThanOrEqual(256 * 1024 * 1024);
  });

  it('maxTotalQueuedBytes refuses, then accepts again once a consumer took messages', () => {
    const broker = new MemoryBroker({ maxTotalQueuedBytes: 200_000 });
    for (const name of ['a', 'b', 'c']) broker.publish(`/queue/${name}`, [], KB60);
    expect(quotaError(() => broker.publish('/queue/d', [], KB60)).quota).toBe('maxTotalQueuedBytes');
    // The queue that was refused was not created either.
    expect(broker.stats().destinations).toBe(3);
    const taker = consumer();
    broker.subscribe('/queue/a', taker, { manualAck: false });
    expect(taker.got).toHaveLength(1);
    broker.publish('/queue/d', [], KB60);
    expect(broker.stats().queued).toBe(3);
  });

  it('counts messages out with a client-ack consumer until they are acknowledged (they may come back)', () => {
    const broker = new MemoryBroker({ maxTotalQueuedBytes: 130_000 });
    const holder = consumer();
    const handle = broker.subscribe('/queue/work', holder, { manualAck: true });
    broker.publish('/queue/work', [], KB60);
    broker.publish('/queue/work', [], KB60);
    expect([broker.stats().queued, holder.got.length]).toEqual([0, 2]);
    const held = broker.stats().queuedBytes ?? 0;
    expect(held).toBeGreaterThan(120_000);
    expect(quotaError(() => broker.publish('/queue/work', [], KB60)).quota).toBe('maxTotalQueuedBytes');
    handle.ack(holder.got[0]?.tag ?? 0);
    expect(broker.stats().queuedBytes).toBe(held / 2);
    // Cancelled unacknowledged: back in the queue, still counted; taken by an auto-ack consumer: gone.
    handle.cancel();
    expect([broker.stats().queued, broker.stats().queuedBytes]).toEqual([1, held / 2]);
    broker.subscribe('/queue/work', consumer(), { manualAck: false });
    expect([broker.stats().queued, broker.stats().queuedBytes]).toEqual([0, 0]);
  });

  it('maxQueuedBytes drops a queue’s oldest messages (like maxQueuedMessages) and refuses a message it could never hold', () => {
    const broker = new MemoryBroker({ maxQueuedBytes: 200_000 });
    for (const n of [1, 2, 3, 4]) broker.publish('/queue/q', [], `${n}${KB60}`);
    expect([broker.stats().queued, broker.stats().discarded]).toEqual([3, 1]);
    expect(broker.stats().queuedBytes).toBeLessThanOrEqual(200_000);
    const taker = consumer();
    broker.subscribe('/queue/q', taker, { manualAck: false });
    expect(taker.bodies().map((body) => body[0])).toEqual(['2', '3', '4']);
    const error = quotaError(() => broker.publish('/queue/q', [], 'y'.repeat(200_001)));
    expect([error.quota, error.limit]).toEqual(['maxQueuedBytes', 200_000]);
    expect(error.message).toContain('larger than a queue may hold');
  });

  it('maxQueues refuses a new queue name, publish or subscribe, but not a topic or an existing queue', () => {
    const broker = new MemoryBroker({ maxQueues: 3 });
    for (const name of ['a', 'b', 'c']) broker.publish(`/queue/${name}`, [], 'm');
    const error = quotaError(() => broker.publish('/queue/d', [], 'm'));
    expect([error.quota, error.limit, error.message]).toEqual([
      'maxQueues',
      3,
      'the broker holds at most 3 queues (maxQueues); /queue/d cannot be created',
    ]);
    expect(quotaError(() => broker.subscribe('/queue/e', consumer(), { manualAck: false })).quota).toBe(
      'maxQueues',
    );
    broker.publish('/queue/a', [], 'again');
    broker.subscribe('/topic/t', consumer(), { manualAck: false });
    expect(broker.stats()).toMatchObject({ destinations: 4, queued: 4, published: 4 });
  });

  it('at maxQueues a vacant queue (no consumer, nothing held) makes room, least recently used first', () => {
    const { broker, clock } = clocked({ maxQueues: 2 });
    broker.subscribe('/queue/old', consumer(), { manualAck: false }).cancel();
    clock.ms += 1;
    broker.subscribe('/queue/newer', consumer(), { manualAck: false }).cancel();
    expect(broker.stats().destinations).toBe(2);
    expect(broker.wouldCreate('/queue/old')).toBe(false);
    broker.publish('/queue/third', [], 'm');
    expect([broker.wouldCreate('/queue/old'), broker.wouldCreate('/queue/newer')]).toEqual([true, false]);
    // Now one queue holds a message and the other is vacant: the vacant one goes, the message stays.
    broker.publish('/queue/fourth', [], 'm');
    expect(quotaError(() => broker.publish('/queue/fifth', [], 'm')).quota).toBe('maxQueues');
    expect(broker.stats()).toMatchObject({ destinations: 2, queued: 2, discarded: 0 });
  });

  it('queueIdleTtl: a queue without consumer and publish for that long is dropped with its messages', () => {
    const { broker, clock } = clocked({ queueIdleTtl: 60 });
    broker.publish('/queue/left', [], KB60);
    broker.publish('/queue/kept', [], KB60);
    clock.ms += 59_000;
    broker.publish('/queue/kept', [], KB60);
    expect(broker.stats()).toMatchObject({ destinations: 2, queued: 3 });
    clock.ms += 1000;
    // The first queue's 60 s are up; the second was published to 1 s ago.
    expect(broker.stats()).toMatchObject({ destinations: 1, queued: 2, discarded: 1 });
    expect(broker.wouldCreate('/queue/left')).toBe(true);
    clock.ms += 60_000;
    expect(broker.stats()).toMatchObject({ destinations: 0, queued: 0, queuedBytes: 0, discarded: 3 });
    const late = consumer();
    broker.subscribe('/queue/kept', late, { manualAck: false });
    expect(late.got).toEqual([]);
  });

  it('queueIdleTtl: a consumer keeps a queue alive, its leaving starts the count', () => {
    const { broker, clock } = clocked({ queueIdleTtl: 60 });
    const worker = consumer();
    const handle = broker.subscribe('/queue/jobs', worker, { manualAck: true, prefetch: 1 });
    for (const n of [1, 2]) broker.publish('/queue/jobs', [], `${n}`);
    clock.ms += 3_600_000;
    expect(broker.stats()).toMatchObject({ destinations: 1, consumers: 1, queued: 1 });
    handle.cancel();
    expect(broker.stats().queued).toBe(2);
    clock.ms += 59_999;
    expect(broker.wouldCreate('/queue/jobs')).toBe(false);
    clock.ms += 1;
    expect(broker.wouldCreate('/queue/jobs')).toBe(true);
    expect(broker.stats()).toMatchObject({ destinations: 0, queued: 0, queuedBytes: 0, discarded: 2 });
  });

  it('wouldCreate: only for a queue that does not exist now', () => {
    const broker = new MemoryBroker();
    expect(broker.wouldCreate('/queue/q')).toBe(true);
    expect(broker.wouldCreate('/topic/t')).toBe(false);
    expect(broker.wouldCreate('/user/alice/queue/notes')).toBe(false);
    broker.publish('/queue/q', [], 'm');
    expect(broker.wouldCreate('/queue/q')).toBe(false);
    // Drained by a consumer that then leaves, the queue still exists until it expires.
    broker.subscribe('/queue/q', consumer(), { manualAck: false }).cancel();
    expect([broker.stats().queued, broker.wouldCreate('/queue/q')]).toEqual([0, false]);
  });

  it('validates the quotas: whole numbers, or Infinity for none', () => {
    for (const name of ['maxQueues', 'maxQueuedBytes', 'maxTotalQueuedBytes', 'queueIdleTtl'] as const) {
      expect(() => new MemoryBroker({ [name]: -1 })).toThrow(`${name} must be a whole number or Infinity`);
      expect(() => new MemoryBroker({ [name]: 1.5 })).toThrow(TypeError);
    }
    const unbounded = new MemoryBroker({
      maxQueues: Number.POSITIVE_INFINITY,
      maxTotalQueuedBytes: Number.POSITIVE_INFINITY,
      queueIdleTtl: Number.POSITIVE_INFINITY,
    });
    for (let i = 0; i < 20; i++) unbounded.publish(`/queue/q${i}`, [], 'm');
    expect(unbounded.stats().destinations).toBe(20);
  });

  it('close empties every queue and its byte count', () => {
    const broker = new MemoryBroker();
    broker.publish('/queue/q', [], KB60);
    broker.close();
    expect(broker.stats()).toMatchObject({ destinations: 0, queued: 0, queuedBytes: 0 });
  });
});
