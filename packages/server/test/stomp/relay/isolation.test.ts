import type { IFrame, IMessage } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userKey } from '../../../src/stomp/destinations.js';
import { brokerDestination } from '../../../src/stomp/relay/destinations.js';
import { connectClient, settle, type TestClient } from './support/clients.js';
import { type RelayNode, startRelayNode } from './support/node.js';
import { RUN, requireRabbitMq } from './support/rabbitmq.js';

/*
 * Security: a client of the relay must not reach another user's destination through the names the relay
 * gives it at RabbitMQ. `/exchange` is a default broker prefix with a relay, and bob's `/user/queue/x`
 * becomes `/exchange/amq.direct/<bob's key>` there, so before the fix alice could subscribe to that name and
 * read bob's messages, or send there as if she were the server, and no `authorize` rule for `/user/**`
 * would see it. Against the real RabbitMQ.
 */

let node: RelayNode;
const clients: TestClient[] = [];
const bob = `bob-${RUN}`;
/** The exact name the relay uses for bob's `/user/queue/x` (what `sendToUser(bob, '/queue/x')` publishes to). */
const bobsQueueAtRabbit = brokerDestination(`/user/${userKey(bob, '')}/queue/x`, 'amq.direct');

async function client(login: string): Promise<TestClient> {
  const connected = await connectClient(node, login);
  clients.push(connected);
  return connected;
}

/** The ERROR that ends `target`'s session, and its close; fails instead of hanging when none comes. */
async function refusal(target: TestClient): Promise<IFrame> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const none = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no ERROR within 5 s: the frame was accepted')), 5000);
  });
  try {
    const error = await Promise.race([target.error, none]);
    await target.closed;
    return error;
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  await requireRabbitMq();
  node = await startRelayNode();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await node?.close();
}, 60_000);

describe("STOMP relay to RabbitMQ: the relay's own names are not for clients", () => {
  it("alice cannot SUBSCRIBE to the name bob's user destination has at RabbitMQ; bob still gets his messages", async () => {
    expect(bobsQueueAtRabbit).toBe(`/exchange/amq.direct/%2Fuser%2F${bob}%2Fqueue%2Fx`);
    const inbox = await (await client(bob)).inbox('/user/queue/x');
    const alice = await client(`alice-${RUN}`);
    const stolen: IMessage[] = [];
    alice.client.subscribe(bobsQueueAtRabbit, (message) => stolen.push(message));
    const error = await refusal(alice);
    expect(error.headers.message).toBe('Unknown destination');
    expect(error.body).toBe(
      `${bobsQueueAtRabbit} names the exchange amq.direct, which carries the relay's user destinations ` +
        '(the relay option directExchange): clients may not name it; use /user/... destinations',
    );
    await node.stomp.sendToUser(bob, '/queue/x', 'for bob only');
    expect((await inbox.atLeast(1)).map((m) => [m.body, m.headers.destination])).toEqual([
      ['for bob only', '/user/queue/x'],
    ]);
    expect(stolen).toEqual([]);
  });

  it('alice cannot SEND to it either: bob gets what the server and other users send to /user/…, and nothing else', async () => {
    const inbox = await (await client(bob)).inbox('/user/queue/x');
    const alice = await client(`alice-${RUN}`);
    alice.client.publish({ destination: bobsQueueAtRabbit, body: 'pretending to be the server' });
    expect((await refusal(alice)).headers.message).toBe('Unknown destination');
    const carol = await client(`carol-${RUN}`);
    await carol.publish(`/user/${bob}/queue/x`, 'from carol');
    await node.stomp.sendToUser(bob, '/queue/x', 'from the server');
    expect((await inbox.atLeast(2)).map((m) => m.body).sort()).toEqual(['from carol', 'from the server']);
    // What matters is what does not arrive: give a stray delivery a moment to land before checking.
    await settle(200);
    expect(inbox.bodies).not.toContain('pretending to be the server');
  });

  const refused: ReadonlyArray<{
    name: string;
    act: (c: TestClient) => void;
    message: string;
    body: RegExp;
  }> = [
    {
      name: 'the whole direct exchange (a SUBSCRIBE without routing key)',
      act: (c) => c.client.subscribe('/exchange/amq.direct', () => {}),
      message: 'Unknown destination',
      body: /names the exchange amq\.direct/,
    },
    {
      name: "a subscription's queue by its RabbitMQ name (durable ones are named after key and id)",
      act: (c) => c.client.subscribe('/amq/queue/stomp-subscription-AAAAAAAAAAAAAAAAAAAAAA', () => {}),
      message: 'Unknown destination',
      body: /names a queue RabbitMQ made for a subscription/,
    },
    {
      name: 'x-queue-name on a user destination (it would let anyone read that queue by name)',
      act: (c) => c.client.subscribe('/user/queue/x', () => {}, { 'x-queue-name': `${RUN}-mine` }),
      message: 'Invalid x-queue-name',
      body: /x-queue-name is not allowed on user destinations/,
    },
    {
      name: "x-queue-name naming a subscription's queue",
      act: (c) =>
        c.client.subscribe(`/topic/${RUN}.t`, () => {}, { 'x-queue-name': 'stomp-subscription-AAAA' }),
      message: 'Invalid x-queue-name',
      body: /may not start with stomp-subscription-/,
    },
  ];
  for (const { name, act, message, body } of refused) {
    it(`refuses ${name}`, async () => {
      const mallory = await client(`mallory-${RUN}`);
      act(mallory);
      const error = await refusal(mallory);
      expect(error.headers.message).toBe(message);
      expect(error.body).toMatch(body);
    });
  }
});
