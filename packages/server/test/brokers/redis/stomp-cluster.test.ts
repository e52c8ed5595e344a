import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import type { IFrame, IMessage } from '@stomp/stompjs';
import { describe, expect, it } from 'vitest';
import { relay } from './support/nodes.js';
import { connectClient, startStompNode } from './support/stomp-nodes.js';
import { useTwoStompNodes } from './support/two-nodes.js';

/*
 * The whole stack twice in one process: two Sockwire nodes (Redis broker, STOMP broker, SockJS server, each
 * on its own HTTP port) sharing one Redis, with @stomp/stompjs clients on different nodes and transports.
 */

const server = useRedisServer();
const nodes = useTwoStompNodes(server);
const join = nodes.join;

/** Every publisher's messages arrive once each, in the order it sent them. */
function expectPerPublisherOrder(
  messages: readonly IMessage[],
  publishers: readonly string[],
  count: number,
) {
  const expected = Array.from({ length: count }, (_, i) => String(i));
  for (const publisher of publishers) {
    const bodies = messages.filter((m) => m.headers.from === publisher).map((m) => m.body);
    expect(bodies, `messages from ${publisher}`).toEqual(expected);
  }
  expect(messages).toHaveLength(publishers.length * count);
}

describe('STOMP over two nodes sharing Redis', () => {
  it('/topic: every client on either node gets every message once, in order per publisher', async () => {
    const members = await Promise.all([
      join(nodes.a, 'raw-websocket', 'ann'),
      join(nodes.a, 'xhr-streaming', 'bea'),
      join(nodes.b, 'websocket', 'cid'),
      join(nodes.b, 'xhr-polling', 'dan'),
      join(nodes.b, 'eventsource', 'eve'),
    ]);
    const inboxes = await Promise.all(members.map((member) => member.subscribe('/topic/room')));
    const count = 40;
    await Promise.all(
      members.map(async (member) => {
        for (let i = 0; i < count - 1; i++) member.publish('/topic/room', String(i), { from: member.user });
        await member.send('/topic/room', String(count - 1), { from: member.user });
      }),
    );
    await Promise.all(inboxes.map((inbox) => inbox.waitFor(members.length * count)));
    const users = members.map((member) => member.user);
    for (const inbox of inboxes) expectPerPublisherOrder(inbox.messages, users, count);
    // One order for everyone: ids increase along every client's stream.
    for (const inbox of inboxes) {
      const ids = inbox.messages.map((m) => Number(m.headers['message-id']));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    }
  });

  it('/queue: each message reaches exactly one consumer across the nodes; client acks settle them', async () => {
    const workers = await Promise.all([
      join(nodes.a, 'raw-websocket', 'w1'),
      join(nodes.b, 'xhr-streaming', 'w2'),
      join(nodes.b, 'raw-websocket', 'w3'),
    ]);
    const producer = await join(nodes.a, 'xhr-polling', 'producer');
    const inboxes = await Promise.all(
      workers.map((worker) =>
        worker.subscribe('/queue/jobs', { ack: 'client-individual', 'prefetch-count': '10' }),
      ),
    );
    // Ack as they come, so prefetch keeps flowing.
    const acked = new Set<IMessage>();
    const acker = setInterval(() => {
      for (const inbox of inboxes) {
        for (const message of inbox.messages) {
          if (acked.has(message)) continue;
          acked.add(message);
          message.ack();
        }
      }
    }, 5);
    const count = 300;
    try {
      for (let i = 0; i < count - 1; i++) producer.publish('/queue/jobs', String(i), { from: 'producer' });
      await producer.send('/queue/jobs', String(count - 1), { from: 'producer' });
      const total = () => inboxes.reduce((sum, inbox) => sum + inbox.messages.length, 0);
      const started = Date.now();
      while (total() < count && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      clearInterval(acker);
    }
    const bodies = inboxes.flatMap((inbox) => inbox.messages.map((m) => Number(m.body)));
    expect(bodies).toHaveLength(count);
    expect(new Set(bodies).size).toBe(count);
    // Each worker got a share; within a worker, the producer's order holds (no redelivery happened).
    for (const inbox of inboxes) {
      const mine = inbox.messages.map((m) => Number(m.body));
      expect(mine.length).toBeGreaterThan(0);
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
      expect(inbox.messages.every((m) => m.headers.redelivered === undefined)).toBe(true);
    }
  });

  it('/user: a message to a user reaches each of their sessions on both nodes, and nobody else', async () => {
    const aliceOnA = await join(nodes.a, 'raw-websocket', 'alice');
    const aliceOnB = await join(nodes.b, 'xhr-streaming', 'alice');
    const bob = await join(nodes.b, 'xhr-polling', 'bob');
    const inboxes = await Promise.all([aliceOnA, aliceOnB, bob].map((c) => c.subscribe('/user/queue/inbox')));
    const count = 20;
    for (let i = 0; i < count - 1; i++) bob.publish('/user/alice/queue/inbox', String(i), { from: 'bob' });
    await bob.send('/user/alice/queue/inbox', String(count - 1), { from: 'bob' });
    // Server code on node A reaching alice's sessions on both nodes.
    await nodes.a.stomp.sendToUser('alice', '/queue/inbox', 'from the server', { from: 'server' });
    await inboxes[0]?.waitFor(count + 1);
    await inboxes[1]?.waitFor(count + 1);
    for (const inbox of inboxes.slice(0, 2)) {
      expectPerPublisherOrder(inbox?.messages.filter((m) => m.headers.from === 'bob') ?? [], ['bob'], count);
      expect(inbox?.messages.at(-1)?.body).toBe('from the server');
      expect(inbox?.messages.every((m) => m.headers.destination === '/user/queue/inbox')).toBe(true);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(inboxes[2]?.messages).toEqual([]);
  });

  it('a node that lost Redis answers a SEND with "Broker not available." and a retryable close (1011)', async () => {
    const path = await relay(server.port);
    const cut = await startStompNode({ url: path.url, nodeId: 'C' });
    try {
      const client = await connectClient(cut, 'raw-websocket', 'carl');
      const error = new Promise<IFrame>((resolve) => {
        client.client.onStompError = resolve;
      });
      const closed = new Promise<number>((resolve) => {
        client.client.onWebSocketClose = (event: { code: number }) => resolve(event.code);
      });
      await path.cut();
      client.publish('/topic/room', 'into the void', { receipt: 'lost' });
      const frame = await error;
      // The ERROR answers the SEND, says the broker is unavailable, and the close is retryable (1011): what a
      // client relies on to reconnect, possibly to another node.
      expect(frame.headers['receipt-id']).toBe('lost');
      expect(frame.headers.message).toBe('Broker not available.');
      expect(await closed).toBe(1011);
      await client.close();
    } finally {
      await cut.close();
    }
  });
});
