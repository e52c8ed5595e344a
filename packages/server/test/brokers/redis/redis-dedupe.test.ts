import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { StompNode } from './support/stomp-nodes.js';
import { useTwoStompNodes } from './support/two-nodes.js';

/*
 * Idempotent sends across nodes: the Redis broker keeps `x-idempotency-key`s in Redis, so a send re-sent to
 * another node after a cut (the SDK's send() does that) is confirmed there and not published a second time.
 */

const server = useRedisServer();
const nodes = useTwoStompNodes(server, { dedupeWindow: 60 });
const join = (node: StompNode, user: string) => nodes.join(node, 'websocket', user);

describe('idempotent sends on the Redis broker', () => {
  it('a repeat on another node is confirmed and not published again; other keys and users still are', async () => {
    const room = `/topic/dedupe-${Date.now()}`;
    const watcher = await join(nodes.a, 'watcher');
    const inbox = await watcher.subscribe(room);
    const onA = await join(nodes.a, 'ana');
    const onB = await join(nodes.b, 'ana');
    const bobOnB = await join(nodes.b, 'bob');
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
    const client = await join(nodes.b, 'cleo');
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
