import { waitFor } from '@sockwire/test-support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message } from '../../../src/stomp/index.js';
import { connectClient, settle, type TestClient } from './support/clients.js';
import { type RelayNode, startRelayNode } from './support/node.js';
import { deleteQueues, RUN, requireRabbitMq } from './support/rabbitmq.js';

/** One node relaying to the real RabbitMQ: what clients of the relay get, destination kind by kind. */
let node: RelayNode;
const clients: TestClient[] = [];
const queues: string[] = [];

async function client(login?: string, transport?: Parameters<typeof connectClient>[2]): Promise<TestClient> {
  const connected = await connectClient(node, login, transport);
  clients.push(connected);
  return connected;
}

/** A `/queue/...` destination of this run, deleted from RabbitMQ after the file. */
function queue(name: string): string {
  queues.push(`${RUN}-${name}`);
  return `/queue/${RUN}-${name}`;
}

beforeAll(async () => {
  await requireRabbitMq();
  node = await startRelayNode();
  node.stomp.onMessage(
    '/rooms/{room}',
    (ctx) => ({ room: ctx.params.room, from: ctx.session.principal?.name, text: ctx.body }),
    {
      sendTo: `/topic/${RUN}.room.{room}`,
    },
  );
  node.stomp.onMessage('/whisper', (ctx) => `psst ${ctx.body}`, { sendToUser: '/queue/whispers' });
  node.stomp.onMessage('/only-me', (ctx) => `just you: ${ctx.body}`, {
    sendToUser: '/queue/whispers',
    broadcast: false,
  });
  node.stomp.onSubscribe('/history', () => ['from the handler, not the broker']);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await node?.close();
  await deleteQueues(queues);
}, 60_000);

describe('STOMP relay to RabbitMQ: destinations', () => {
  it('CONNECTED comes from this server, for a user whose login never reaches RabbitMQ', async () => {
    const alice = await client('alice');
    expect(alice.connected.headers).toMatchObject({ version: '1.2', 'user-name': 'alice' });
    expect(alice.connected.headers.server).toMatch(/^Sockwire\//);
  });

  it('/topic fans out to every subscriber, in order, across SockJS transports', async () => {
    const destination = `/topic/${RUN}.fanout`;
    const subscribers = await Promise.all([
      client('a', 'websocket'),
      client('b', 'xhr-streaming'),
      client('c', 'raw-websocket'),
    ]);
    const inboxes = await Promise.all(subscribers.map((s) => s.inbox(destination)));
    const publisher = await client('p', 'xhr-polling');
    const bodies = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const body of bodies) publisher.client.publish({ destination, body, headers: { 'x-n': body } });
    for (const inbox of inboxes) {
      const got = await inbox.atLeast(20);
      expect(got.map((m) => m.body)).toEqual(bodies);
      expect(got[3]?.headers).toMatchObject({ destination, 'x-n': 'm3' });
      expect(got[3]?.headers.receipt).toBeUndefined();
    }
  });

  it('/queue gives each message to exactly one of its competing consumers', async () => {
    const destination = queue('work');
    const workers = await Promise.all([client('w1'), client('w2')]);
    const inboxes = await Promise.all(workers.map((w) => w.inbox(destination)));
    const producer = await client('producer');
    for (let i = 0; i < 40; i++) producer.client.publish({ destination, body: `job${i}` });
    await producer.publish(destination, 'job40');
    const received = () => inboxes.reduce((sum, inbox) => sum + inbox.messages.length, 0);
    await waitFor(
      () => received() >= 41,
      () => `41 jobs delivered (got ${received()})`,
    );
    const all = inboxes.flatMap((inbox) => inbox.bodies);
    expect(all.sort()).toEqual(Array.from({ length: 41 }, (_, i) => `job${i}`).sort());
    for (const inbox of inboxes) expect(inbox.messages.length).toBeGreaterThan(0);
  });

  it('/user destinations reach every session of that user, and only them', async () => {
    const [alice1, alice2, bob] = await Promise.all([client('alice'), client('alice'), client('bob')]);
    const notes = await Promise.all([alice1, alice2, bob].map((c) => c.inbox('/user/queue/notes')));
    await node.stomp.sendToUser('alice', '/queue/notes', 'from the server');
    await bob.publish('/user/alice/queue/notes', 'from bob');
    for (const inbox of notes.slice(0, 2)) {
      const got = await inbox.atLeast(2);
      expect(got.map((m) => m.body).sort()).toEqual(['from bob', 'from the server']);
      expect(got[0]?.headers.destination).toBe('/user/queue/notes');
    }
    // Nothing is expected for bob, so no event can end the wait: give a stray delivery a moment to land
    // before checking that none did.
    await settle(200);
    expect(notes[2]?.messages).toEqual([]);
  });

  it('/exchange and /amq/queue destinations pass through to RabbitMQ', async () => {
    const routed = `/exchange/amq.topic/${RUN}.routed`;
    const listener = await client('listener');
    const inbox = await listener.inbox(routed);
    await listener.publish(routed, 'via amq.topic');
    expect((await inbox.atLeast(1))[0]?.body).toBe('via amq.topic');
  });
});

describe('STOMP relay to RabbitMQ: what RabbitMQ adds', () => {
  it("RabbitMQ's ERROR reaches the client (here: SUBSCRIBE to a queue that does not exist)", async () => {
    const frank = await client('frank');
    frank.client.subscribe(`/amq/queue/${RUN}-missing`, () => {});
    const error = await frank.error;
    expect([error.headers.message, error.body]).toEqual([
      'not_found',
      `NOT_FOUND - no queue '${RUN}-missing' in vhost '/'`,
    ]);
    await frank.closed;
  });

  it('durable subscriptions keep their queue (named by x-queue-name) between sessions', async () => {
    const destination = `/topic/${RUN}.durable`;
    queues.push(`${RUN}-durable`);
    const headers = {
      id: 'mailbox',
      durable: 'true',
      'auto-delete': 'false',
      'x-queue-name': `${RUN}-durable`,
    };
    const first = await client('gina');
    await first.inbox(destination, headers);
    await first.stop();
    const sender = await client('sender');
    await sender.publish(destination, 'while you were away');
    const second = await client('gina');
    const inbox = await second.inbox(destination, headers);
    expect((await inbox.atLeast(1))[0]?.body).toBe('while you were away');
  });

  it('stats count relayed traffic, and consumers go back to 0 when sessions end', async () => {
    const before = node.stomp.stats().broker;
    const henry = await client('henry');
    const inbox = await henry.inbox(`/topic/${RUN}.stats`);
    await henry.publish(`/topic/${RUN}.stats`, 'counted');
    await inbox.atLeast(1);
    const during = node.stomp.stats().broker;
    expect(during.consumers).toBe(before.consumers + 1);
    expect(during.published).toBe(before.published + 1);
    expect(during.delivered).toBe(before.delivered + 1);
    await henry.stop();
    await waitFor(
      () => node.stomp.stats().broker.consumers === before.consumers,
      () => `consumers back to ${before.consumers} (now ${node.stomp.stats().broker.consumers})`,
    );
    expect(node.stomp.stats().broker.consumers).toBe(before.consumers);
  });
});

describe('STOMP relay to RabbitMQ: application destinations', () => {
  it('/app handlers run here and publish their result through the system connection', async () => {
    const [alice, bob] = await Promise.all([client('alice'), client('bob')]);
    const room = await bob.inbox(`/topic/${RUN}.room.42`);
    await alice.publish('/app/rooms/42', 'hello room');
    const [got] = await room.atLeast(1);
    expect(JSON.parse(got?.body ?? '')).toEqual({ room: '42', from: 'alice', text: 'hello room' });
    expect(got?.headers['content-type']).toBe('application/json');
  });

  it('@SendToUser-style handlers reach the caller: all its sessions, or only the calling one', async () => {
    const [carol1, carol2] = await Promise.all([client('carol'), client('carol')]);
    const [mine, other] = await Promise.all([
      carol1.inbox('/user/queue/whispers'),
      carol2.inbox('/user/queue/whispers'),
    ]);
    await carol1.publish('/app/whisper', 'to all of me');
    await carol1.publish('/app/only-me', 'to this tab');
    expect((await mine.atLeast(2)).map((m) => m.body)).toEqual([
      'psst to all of me',
      'just you: to this tab',
    ]);
    await other.atLeast(1);
    // The point is what does NOT reach the other tab ('just you: ...'): no event marks its absence, so give a
    // stray delivery a moment to land before checking that none did.
    await settle(200);
    expect(other.bodies).toEqual(['psst to all of me']);
  });

  it('subscribe handlers answer straight from this server', async () => {
    const dave = await client('dave');
    const history = await dave.inbox('/app/history');
    expect(JSON.parse((await history.atLeast(1))[0]?.body ?? '')).toEqual([
      'from the handler, not the broker',
    ]);
  });

  it('server-side publish goes through the system connection, with its headers', async () => {
    const erin = await client('erin');
    const inbox = await erin.inbox(`/topic/${RUN}.news`);
    const id = await node.stomp.publish(`/topic/${RUN}.news`, message('extra!', { 'x-edition': 'late' }));
    expect(id).toMatch(/^relay-\d+$/);
    const [got] = await inbox.atLeast(1);
    expect([got?.body, got?.headers['x-edition']]).toEqual(['extra!', 'late']);
    expect(node.stomp.stats().broker.published).toBeGreaterThan(0);
  });
});
