import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type TestClient } from './support/clients.js';
import { type RelayNode, startRelayNode } from './support/node.js';
import { deleteQueues, RUN, requireRabbitMq } from './support/rabbitmq.js';

/*
 * Resume through the RabbitMQ relay, against the real RabbitMQ: on a RabbitMQ stream the relay passes
 * `x-stream-offset` on and RabbitMQ replays (its offsets reach the client as `x-stream-offset`); anywhere else
 * RabbitMQ would ignore the header, so the relay tells the subscriber with an `x-stream-gap:no-history` MESSAGE
 * instead of letting it miss messages silently.
 */
let node: RelayNode;
const clients: TestClient[] = [];
const queues: string[] = [];

async function client(login?: string): Promise<TestClient> {
  const connected = await connectClient(node, login);
  clients.push(connected);
  return connected;
}

beforeAll(async () => {
  await requireRabbitMq();
  node = await startRelayNode(
    {},
    {
      // The history of a stream is given only to whoever may subscribe to it, replay or not.
      authorize: (principal, action, destination) =>
        !(action === 'subscribe' && destination.includes('secret') && principal?.name !== 'owner'),
    },
  );
});

afterAll(async () => {
  for (const c of clients.splice(0)) await c.stop();
  await node?.close();
  await deleteQueues(queues);
});

describe('resume through the RabbitMQ relay', () => {
  it('on a RabbitMQ stream: replays from the offset asked for, with the offsets on each MESSAGE', async () => {
    const name = `${RUN}-stream`;
    queues.push(name);
    const destination = `/queue/${name}`;
    const streamHeaders = { 'x-queue-type': 'stream', ack: 'client', 'prefetch-count': '100' };
    const publisher = await client('pub');
    // A first subscriber declares the stream (RabbitMQ creates the queue on SUBSCRIBE).
    const declaring = await client('first');
    const first = await declaring.inbox(destination, { ...streamHeaders, 'x-stream-offset': 'first' });
    // RabbitMQ declares the queue on SEND too: a publisher must name the type, or the declaration fails.
    const typed = { 'x-queue-type': 'stream' };
    for (let i = 0; i < 6; i++) await publisher.publish(destination, `m${i}`, typed);
    await first.atLeast(6);
    for (const message of first.messages) message.ack();
    expect(first.messages.map((m) => m.headers['x-stream-offset'])).toEqual(['0', '1', '2', '3', '4', '5']);

    const resuming = await client('later');
    const inbox = await resuming.inbox(destination, { ...streamHeaders, 'x-stream-offset': 'offset=3' });
    const replayed = await inbox.atLeast(3);
    expect(replayed.map((m) => [m.headers['x-stream-offset'], m.body])).toEqual([
      ['3', 'm3'],
      ['4', 'm4'],
      ['5', 'm5'],
    ]);
    expect(replayed.some((m) => m.headers['x-stream-gap'] !== undefined)).toBe(false);
    for (const message of replayed) message.ack();
    await publisher.publish(destination, 'm6', typed);
    const [live] = (await inbox.atLeast(4)).slice(3);
    expect([live?.headers['x-stream-offset'], live?.body]).toEqual(['6', 'm6']);
  });

  it('on a topic (no history in RabbitMQ): a no-history gap first, then live messages, never a silent skip', async () => {
    const destination = `/topic/${RUN}.resume`;
    const publisher = await client('pub2');
    await publisher.publish(destination, 'before');
    const subscriber = await client('sub2');
    const inbox = await subscriber.inbox(destination, {
      'x-stream-offset': 'offset=5',
      'x-stream-epoch': 'e',
    });
    const [gap] = await inbox.atLeast(1);
    expect(gap?.headers['x-stream-gap']).toBe('no-history');
    expect(gap?.headers['x-stream-gap-requested']).toBe('5');
    expect(gap?.body).toBe('');
    await publisher.publish(destination, 'after');
    const [, live] = await inbox.atLeast(2);
    expect(live?.body).toBe('after');
    expect(live?.headers['x-stream-gap']).toBeUndefined();
  });

  it('a live-only subscription (no x-stream-offset, or next) gets no gap message', async () => {
    const destination = `/topic/${RUN}.live`;
    const publisher = await client('pub3');
    const subscriber = await client('sub3');
    const plain = await subscriber.inbox(destination);
    const next = await subscriber.inbox(destination, { 'x-stream-offset': 'next' });
    await publisher.publish(destination, 'one');
    expect((await plain.atLeast(1)).map((m) => m.body)).toEqual(['one']);
    expect((await next.atLeast(1)).map((m) => m.body)).toEqual(['one']);
  });

  it('authorization applies to a resume as to any SUBSCRIBE: no replayed message reaches the refused client', async () => {
    const name = `${RUN}-secret-stream`;
    queues.push(name);
    const destination = `/queue/${name}`;
    const typed = { 'x-queue-type': 'stream' };
    const owner = await client('owner');
    const mine = await owner.inbox(destination, {
      ...typed,
      ack: 'client',
      'prefetch-count': '10',
      'x-stream-offset': 'first',
    });
    await owner.publish(destination, 'private', typed);
    await mine.atLeast(1);
    const intruder = await client('intruder');
    const inbox = new Promise<string>((resolve) => {
      intruder.client.subscribe(destination, (message) => resolve(`MESSAGE ${message.body}`), {
        ...typed,
        ack: 'client',
        'prefetch-count': '10',
        'x-stream-offset': 'first',
      });
    });
    const error = await Promise.race([
      intruder.error.then((frame) => `ERROR ${frame.headers.message}`),
      inbox,
    ]);
    expect(error).toBe('ERROR Access denied');
  });

  it('a send re-sent with its x-idempotency-key (after a cut) is published once', async () => {
    const destination = `/topic/${RUN}.dedupe`;
    const watcher = await client('watcher');
    const inbox = await watcher.inbox(destination);
    const first = await client('sender');
    await first.publish(destination, 'once', { 'x-idempotency-key': 'relay-k1' });
    await first.stop();
    const again = await client('sender');
    await again.publish(destination, 'once', { 'x-idempotency-key': 'relay-k1' });
    await again.publish(destination, 'marker');
    const got = await inbox.atLeast(2);
    expect(got.map((m) => m.body)).toEqual(['once', 'marker']);
  });
});
