import { execFileSync } from 'node:child_process';
import { createStompClient, type IMessage, type SockwireStompClient } from '@sockwire/client/stomp';
import { type Balancer, startHaproxy } from '@sockwire/test-support/haproxy';
import { nodeEnv } from '@sockwire/test-support/node-env';
import { type RedisServer, startRedisServer } from '@sockwire/test-support/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeProcess, startNodeProcess } from './node-processes.js';

/**
 * The STOMP chat through a real round-robin HAProxy (no stickiness) in front of three node processes on one
 * Redis: clients on every transport, each likely on a different node, talk through /topic, /queue and /user.
 * Every message must arrive exactly once, in order per publisher.
 */
const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;

let redis: RedisServer;
let balancer: Balancer;
const nodes: NodeProcess[] = [];
const clients: SockwireStompClient[] = [];

/** Three nodes (messages through Redis, or relayed to RabbitMQ) behind the balancer. */
async function startCluster(extra: readonly string[]): Promise<void> {
  redis = await startRedisServer();
  nodes.push(
    ...(await Promise.all(
      ['a', 'b', 'c'].map((id) => startNodeProcess('stomp-node', id, ['--redis', redis.url, ...extra])),
    )),
  );
  balancer = await startHaproxy(nodes.map((node) => node.port));
}

/** RabbitMQ keeps /queue destinations as durable queues: remove the ones a test made. */
const createdQueues: string[] = [];

async function stopCluster(): Promise<void> {
  for (const name of createdQueues.splice(0)) {
    try {
      execFileSync('rabbitmqctl', ['-q', 'delete_queue', name], { stdio: 'ignore' });
    } catch {
      // Not on RabbitMQ (the Redis flavour), or already gone.
    }
  }
  for (const client of clients.splice(0)) await client.deactivate();
  await balancer?.stop();
  await Promise.all(nodes.splice(0).map((node) => node.kill()));
  await redis?.stop();
}

/** A connected client for `user` on `transport`, through the balancer. */
async function connect(user: string, transport: (typeof TRANSPORTS)[number]): Promise<SockwireStompClient> {
  const client = createStompClient(`${balancer.url}/stomp`, {
    socket: { ...nodeEnv, transports: [transport] },
    connectHeaders: { login: user },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 0,
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.activate();
  });
  return client;
}

function collector() {
  const got: IMessage[] = [];
  return {
    take: (message: IMessage) => {
      got.push(message);
    },
    got,
    async count(n: number): Promise<IMessage[]> {
      const deadline = Date.now() + 15_000;
      while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return got;
    },
  };
}

const receipt = (client: SockwireStompClient, id: string) =>
  new Promise<void>((resolve) => client.watchForReceipt(id, () => resolve()));

describe.each([
  ['Redis', []],
  ['the RabbitMQ relay', ['--relay', 'stomp://guest:guest@127.0.0.1:61613']],
] as const)('STOMP through a round-robin balancer on three nodes, messages through %s', (_name, extra) => {
  beforeAll(() => startCluster(extra), 30_000);
  afterAll(() => stopCluster());

  it('delivers /topic, /queue and /user messages once each, in order per publisher, across transports', async () => {
    const users = await Promise.all(TRANSPORTS.map((transport, i) => connect(`user${i}`, transport)));
    const room = `/topic/room-${Date.now()}`;
    const inboxes = users.map(() => collector());
    const subscribed = users.map((client, i) => {
      client.subscribe(room, (inboxes[i] as ReturnType<typeof collector>).take, { receipt: `s${i}` });
      return receipt(client, `s${i}`);
    });
    await Promise.all(subscribed);
    const perPublisher = 25;
    for (const [i, client] of users.entries()) {
      for (let n = 0; n < perPublisher; n++) client.publish({ destination: room, body: `${i}:${n}` });
    }
    for (const inbox of inboxes) {
      const got = (await inbox.count(users.length * perPublisher)).map((m) => m.body);
      expect(got).toHaveLength(users.length * perPublisher);
      for (const [i] of users.entries()) {
        expect(got.filter((body) => body.startsWith(`${i}:`))).toEqual(
          Array.from({ length: perPublisher }, (_, n) => `${i}:${n}`),
        );
      }
    }

    // A queue: competing consumers on different nodes, each message to exactly one of them.
    const queue = `/queue/work-${Date.now()}`;
    createdQueues.push(queue.slice('/queue/'.length));
    const workers = users.slice(0, 3).map(() => collector());
    await Promise.all(
      users.slice(0, 3).map((client, i) => {
        client.subscribe(queue, (workers[i] as ReturnType<typeof collector>).take, { receipt: `q${i}` });
        return receipt(client, `q${i}`);
      }),
    );
    const jobs = 90;
    for (let n = 0; n < jobs; n++) users[3]?.publish({ destination: queue, body: `job${n}` });
    const deadline = Date.now() + 15_000;
    while (workers.reduce((sum, w) => sum + w.got.length, 0) < jobs && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const done = workers.flatMap((w) => w.got.map((m) => m.body)).sort();
    expect(done).toEqual(Array.from({ length: jobs }, (_, n) => `job${n}`).sort());

    // A private message to user1, from the client of user3, wherever either is connected.
    const privateBox = collector();
    users[1]?.subscribe('/user/queue/private', privateBox.take, { receipt: 'p' });
    await receipt(users[1] as SockwireStompClient, 'p');
    users[3]?.publish({ destination: '/user/user1/queue/private', body: 'psst' });
    expect((await privateBox.count(1)).map((m) => m.body)).toEqual(['psst']);
  }, 60_000);
});
