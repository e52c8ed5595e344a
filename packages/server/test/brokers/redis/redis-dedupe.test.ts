import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { type ChatClient, connectClient, type StompNode, startStompNode } from './support/stomp-nodes.js';

/*
 * Idempotent sends across nodes: the Redis broker keeps `x-idempotency-key`s in Redis, so a send re-sent to
 * another node after a cut (the SDK's send() does that) is confirmed there and not published a second time.
 */

let server: RedisServer;
let nodeA: StompNode;
let nodeB: StompNode;
const clients: ChatClient[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  [nodeA, nodeB] = await Promise.all([
    startStompNode({ url: server.url, nodeId: 'A' }),
    startStompNode({ url: server.url, nodeId: 'B', dedupeWindow: 60 }),
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all([nodeA.close(), nodeB.close()]);
  await server.stop();
});

async function join(node: StompNode, user: string) {
  const client = await connectClient(node, 'websocket', user);
  clients.push(client);
  return client;
}

describe('idempotent sends on the Redis broker', () => {
  it('a repeat on another node is confirmed and not published again; other keys and users still are', async () => {
    const room = `/topic/dedupe-${Date.now()}`;
    const watcher = await join(nodeA, 'watcher');
    const inbox = await watcher.subscribe(room);
    const onA = await join(nodeA, 'ana');
    const onB = await join(nodeB, 'ana');
    const bobOnB = await join(nodeB, 'bob');
    await onA.send(room, 'hello', { 'x-idempotency-key': 'k1' });
    await onB.send(room, 'hello', { 'x-idempotency-key': 'k1' });
    await onB.send(room, 'hello again', { 'x-idempotency-key': 'k1' });
    await onB.send(room, 'second', { 'x-idempotency-key': 'k2' });
    await bobOnB.send(room, "bob's", { 'x-idempotency-key': 'k1' });
    // A marker after everything: once it is in, nothing else is on its way.
    await onA.send(room, 'marker');
    await inbox.waitFor(4);
    expect(inbox.messages.map((m) => m.body)).toEqual(['hello', 'second', "bob's", 'marker']);
    expect(inbox.messages.every((m) => m.headers['x-idempotency-key'] === undefined)).toBe(true);
  });

  it('keeps the keys in Redis, done for the window', async () => {
    const room = `/topic/dedupe-keys-${Date.now()}`;
    const client = await join(nodeB, 'cleo');
    await client.send(room, 'x', { 'x-idempotency-key': 'kept' });
    const redis = new Redis(server.url);
    const keys = await redis.keys('sockwire:broker:dedupe:*kept');
    expect(keys).toEqual(['sockwire:broker:dedupe:cleo:kept']);
    const [value, ttl] = await Promise.all([redis.get(keys[0] as string), redis.pttl(keys[0] as string)]);
    redis.disconnect();
    expect(value).toBe('d');
    // Node B's window is 60 s.
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
