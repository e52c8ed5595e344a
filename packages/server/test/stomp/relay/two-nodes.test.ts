import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type Inbox, settle, type TestClient, type Transport } from './support/clients.js';
import { type RelayNode, startRelayNode } from './support/node.js';
import { deleteQueues, RUN, requireRabbitMq } from './support/rabbitmq.js';

/** Two Sockwire servers relaying to one RabbitMQ: clients on either reach each other through it. */
let a: RelayNode;
let b: RelayNode;
const clients: TestClient[] = [];
const queues: string[] = [];

async function on(node: RelayNode, login: string, transport?: Transport): Promise<TestClient> {
  const connected = await connectClient(node, login, transport);
  clients.push(connected);
  return connected;
}

async function waitFor(inboxes: readonly Inbox[], total: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (inboxes.reduce((sum, inbox) => sum + inbox.messages.length, 0) < total && Date.now() < deadline) {
    await settle(20);
  }
}

beforeAll(async () => {
  await requireRabbitMq();
  [a, b] = await Promise.all([startRelayNode(), startRelayNode()]);
  for (const [name, node] of [
    ['a', a],
    ['b', b],
  ] as const) {
    node.stomp.onMessage('/say/{room}', (ctx) => `${ctx.session.principal?.name}@${name}: ${ctx.body}`, {
      sendTo: `/topic/${RUN}.say.{room}`,
    });
    node.stomp.onMessage('/note-to-self', (ctx) => `${name}: ${ctx.body}`, {
      sendToUser: '/queue/self',
      broadcast: false,
    });
  }
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all([a?.close(), b?.close()]);
  await deleteQueues(queues);
}, 60_000);

describe('STOMP relay: two nodes on one RabbitMQ', () => {
  it('/topic messages cross between the nodes both ways, in order per publisher', async () => {
    const destination = `/topic/${RUN}.lobby`;
    const [onA, onB] = await Promise.all([on(a, 'ann', 'xhr-streaming'), on(b, 'ben', 'websocket')]);
    const [inboxA, inboxB] = await Promise.all([onA.inbox(destination), onB.inbox(destination)]);
    for (let i = 0; i < 25; i++) {
      onA.client.publish({ destination, body: `a${i}` });
      onB.client.publish({ destination, body: `b${i}` });
    }
    for (const inbox of [inboxA, inboxB]) {
      const got = (await inbox.atLeast(50)).map((m) => m.body);
      expect(got.filter((body) => body.startsWith('a'))).toEqual(
        Array.from({ length: 25 }, (_, i) => `a${i}`),
      );
      expect(got.filter((body) => body.startsWith('b'))).toEqual(
        Array.from({ length: 25 }, (_, i) => `b${i}`),
      );
    }
  });

  it('/queue consumers on both nodes compete: every message delivered once', async () => {
    queues.push(`${RUN}-shared-work`);
    const destination = `/queue/${RUN}-shared-work`;
    const [workerA, workerB, producer] = await Promise.all([on(a, 'wa'), on(b, 'wb'), on(a, 'producer')]);
    const inboxes = await Promise.all([workerA.inbox(destination), workerB.inbox(destination)]);
    for (let i = 0; i < 30; i++) producer.client.publish({ destination, body: `job${i}` });
    await waitFor(inboxes, 30);
    await settle(200);
    const all = inboxes.flatMap((inbox) => inbox.bodies);
    expect(all.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `job${i}`).sort());
    expect(inboxes.every((inbox) => inbox.messages.length > 0)).toBe(true);
  });

  it('/user destinations reach the user on every node, from a client or from server code on either', async () => {
    const [aliceA, aliceB, bobB] = await Promise.all([on(a, 'alice'), on(b, 'alice'), on(b, 'bob')]);
    const inboxes = await Promise.all([aliceA.inbox('/user/queue/mail'), aliceB.inbox('/user/queue/mail')]);
    await bobB.publish('/user/alice/queue/mail', 'from bob on b');
    await a.stomp.sendToUser('alice', '/queue/mail', 'from server a');
    await b.stomp.sendToUser('alice', '/queue/mail', 'from server b');
    for (const inbox of inboxes) {
      expect((await inbox.atLeast(3)).map((m) => m.body).sort()).toEqual([
        'from bob on b',
        'from server a',
        'from server b',
      ]);
    }
  });

  it("/app results published by one node's system connection reach subscribers on the other", async () => {
    const [carolA, daveB] = await Promise.all([on(a, 'carol'), on(b, 'dave')]);
    const room = await daveB.inbox(`/topic/${RUN}.say.7`);
    await carolA.publish('/app/say/7', 'hi from a');
    expect((await room.atLeast(1))[0]?.body).toBe('carol@a: hi from a');
  });

  it('a handler result for the calling session only skips the same user on the other node', async () => {
    const [eveA, eveB] = await Promise.all([on(a, 'eve'), on(b, 'eve')]);
    const [selfA, selfB] = await Promise.all([
      eveA.inbox('/user/queue/self'),
      eveB.inbox('/user/queue/self'),
    ]);
    await eveA.publish('/app/note-to-self', 'remember');
    expect((await selfA.atLeast(1))[0]?.body).toBe('a: remember');
    await settle();
    expect(selfB.bodies).toEqual([]);
  });
});
