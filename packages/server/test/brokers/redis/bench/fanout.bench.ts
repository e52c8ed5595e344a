import { startRedisServer } from '@sockwire/test-support/redis-server';
import { afterAll, bench, describe } from 'vitest';
import type { Delivery, MessageBroker } from '../../../../src/brokers/broker.js';
import { MemoryBroker } from '../../../../src/brokers/memory/memory-broker.js';
import { createRedisBroker } from '../../../../src/brokers/redis/index.js';

/**
 * Topic fan-out, one publisher and 100 consumers, memory broker against Redis:
 *   npx vitest bench packages/server/test/brokers/redis/bench
 * One iteration publishes BATCH messages and ends when every consumer has all of them, so messages/s is
 * hz × BATCH (deliveries/s: × 100 more). Redis is a private redis-server on loopback.
 */
const CONSUMERS = 100;
const BATCH = 500;

const server = await startRedisServer();
const one = await createRedisBroker({ url: server.url, keyPrefix: 'bench1:' });
const [left, right] = await Promise.all([
  createRedisBroker({ url: server.url, keyPrefix: 'bench2:' }),
  createRedisBroker({ url: server.url, keyPrefix: 'bench2:' }),
]);
const memory = new MemoryBroker();
afterAll(async () => {
  await Promise.all([one.close(), left.close(), right.close()]);
  await server.stop();
});

/** Consumers spread over `brokers`; `round()` resolves when all have `BATCH` more deliveries. */
async function audience(brokers: readonly MessageBroker[]) {
  let received = 0;
  let target = 0;
  let done: () => void = () => {};
  const consumer = {
    deliver: (_delivery: Delivery) => {
      if (++received === target) done();
    },
  };
  for (let i = 0; i < CONSUMERS; i++) {
    await brokers[i % brokers.length]?.subscribe('/topic/bench', consumer, { manualAck: false });
  }
  return (publish: () => Promise<void>) => {
    target += BATCH * CONSUMERS;
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    return Promise.all([publish(), all]);
  };
}

const memoryRound = await audience([memory]);
const oneRound = await audience([one]);
const twoRound = await audience([left, right]);

const pipelined = (broker: MessageBroker) => async () => {
  const sent: unknown[] = [];
  for (let i = 0; i < BATCH; i++)
    sent.push(broker.publish('/topic/bench', [['n', String(i)]], 'hello, everyone'));
  await Promise.all(sent);
};
/** Enough samples for a median on a busy two-core machine. */
const options = { time: 4000, warmupTime: 500 };
const sequential = (broker: MessageBroker) => async () => {
  for (let i = 0; i < BATCH; i++) await broker.publish('/topic/bench', [['n', String(i)]], 'hello, everyone');
};

describe(`topic fan-out: ${BATCH} messages to ${CONSUMERS} consumers per iteration`, () => {
  bench(
    'memory broker',
    async () => {
      await memoryRound(pipelined(memory));
    },
    options,
  );
  bench(
    'Redis, one node, publishes pipelined',
    async () => {
      await oneRound(pipelined(one));
    },
    options,
  );
  bench(
    'Redis, two nodes (50 consumers each), publishes pipelined',
    async () => {
      await twoRound(pipelined(left));
    },
    options,
  );
  bench(
    'Redis, one node, each publish awaited',
    async () => {
      await oneRound(sequential(one));
    },
    options,
  );
});
