import { randomUUID } from 'node:crypto';
import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { describe, expect, it } from 'vitest';
import type { ChatStore } from '../server/chat-store.js';
import { MemoryChatStore } from '../server/memory-store.js';
import { RedisChatStore } from '../server/redis-store.js';
import { type ChatMessage, LIMITS } from '../shared/protocol.js';

const redis = useRedisServer();

function message(room: string, from: string, clientId: string): ChatMessage {
  return { id: `id-${clientId}`, room, from, text: `text ${clientId}`, at: 1, clientId };
}

/** Each test gets its own key prefix, so stores never see each other's state. */
const implementations: [string, (online: Set<string>) => Promise<ChatStore>][] = [
  ['memory', async (online) => new MemoryChatStore(['general'], (user) => online.has(user))],
  [
    'redis',
    (_online) =>
      RedisChatStore.connect({
        url: redis.url,
        nodeId: 'n1',
        keyPrefix: `t-${randomUUID()}:`,
        initialRooms: ['general'],
      }),
  ],
];

// The same behaviour from both stores: the chat broker cannot tell them apart.
describe.each(implementations)('chat store (%s)', (kind, make) => {
  // The memory store asks the STOMP broker who is online; the Redis store tracks sessions itself.
  const open = async (store: ChatStore, online: Set<string>, user: string, session: string) => {
    online.add(user);
    await store.sessionOpened(user, session);
  };
  const close = async (store: ChatStore, online: Set<string>, user: string, session: string) => {
    online.delete(user);
    await store.sessionClosed(user, session);
  };

  it('creates rooms once, up to the limit, and lists them in order', async () => {
    const store = await make(new Set());
    expect(await store.hasRoom('general')).toBe(true);
    expect(await store.createRoom('general')).toBe(false);
    expect(await store.createRoom('b')).toBe(true);
    const list = await store.listRooms();
    expect(list.rooms).toEqual([
      { name: 'general', members: 0 },
      { name: 'b', members: 0 },
    ]);
    for (let i = list.rooms.length; i < LIMITS.rooms; i++) expect(await store.createRoom(`r${i}`)).toBe(true);
    expect(await store.createRoom('one-too-many')).toBe(false);
    await store.close();
  });

  it('keeps the last messages of a room, without re-sent duplicates', async () => {
    const store = await make(new Set());
    expect(await store.post(message('general', 'ana', 'c1'))).toBe(true);
    expect(await store.post(message('general', 'ana', 'c1'))).toBe(false);
    expect(await store.post(message('general', 'bob', 'c1'))).toBe(true);
    expect(await store.post(message('nowhere', 'bob', 'c2'))).toBe(false);
    expect((await store.history('general')).map((m) => `${m.from}:${m.clientId}`)).toEqual([
      'ana:c1',
      'bob:c1',
    ]);
    for (let i = 0; i < LIMITS.history; i++) await store.post(message('general', 'ana', `x${i}`));
    const history = await store.history('general');
    expect(history).toHaveLength(LIMITS.history);
    expect(history.at(-1)?.clientId).toBe(`x${LIMITS.history - 1}`);
    await store.close();
  });

  it('presence: users once each, sorted; changes reported and versioned', async () => {
    const store = await make(new Set());
    expect(await store.join('general', 's1/a', 'bob')).toBe(true);
    expect(await store.join('general', 's2/a', 'ana')).toBe(true);
    expect(await store.join('general', 's3/a', 'ana')).toBe(false);
    expect(await store.isMember('general', 'ana')).toBe(true);
    const presence = await store.presence('general');
    expect(presence.users).toEqual(['ana', 'bob']);
    expect((await store.listRooms()).rooms[0]).toEqual({ name: 'general', members: 2 });
    expect(await store.leave('general', 's2/a')).toBe(false);
    expect(await store.leave('general', 's3/a')).toBe(true);
    expect(await store.leave('general', 's3/a')).toBe(false);
    expect(await store.isMember('general', 'ana')).toBe(false);
    const after = await store.presence('general');
    expect(after.users).toEqual(['bob']);
    expect(after.version).toBeGreaterThan(presence.version);
    expect(await store.join('nowhere', 's1/b', 'bob')).toBe(false);
    await store.close();
  });

  it('nicknames: held by one key while its user is online, case-insensitively', async () => {
    const online = new Set<string>();
    const store = await make(online);
    expect(await store.claimNickname('Ana', 'k1')).toBe(true);
    await open(store, online, 'Ana', 's1');
    expect(await store.isOnline('Ana')).toBe(true);
    expect(await store.claimNickname('Ana', 'k2')).toBe(false);
    expect(await store.claimNickname('Ana', 'k1')).toBe(true);
    if (kind === 'redis') expect(await store.claimNickname('ana', 'k2')).toBe(false);
    await close(store, online, 'Ana', 's1');
    expect(await store.isOnline('Ana')).toBe(false);
    expect(await store.claimNickname('Ana', 'k2')).toBe(true);
    await store.close();
  });
});

describe('chat store (redis): node loss', () => {
  it("a survivor removes a dead node's presence and sessions, and names the rooms that changed", async () => {
    const keyPrefix = `t-${randomUUID()}:`;
    const common = { url: redis.url, keyPrefix, initialRooms: ['general', 'b'], livenessTtl: 300 };
    const doomed = await RedisChatStore.connect({ ...common, nodeId: 'doomed' });
    const survivor = await RedisChatStore.connect({ ...common, nodeId: 'survivor' });
    await doomed.join('general', 's1/a', 'ana');
    await doomed.join('b', 's1/b', 'ana');
    await survivor.join('general', 's2/a', 'bob');
    await survivor.join('b', 's3/a', 'ana');
    await doomed.claimNickname('ana', 'k1');
    await doomed.sessionOpened('ana', 's1');
    const swept = new Promise<readonly string[]>((resolve) => survivor.onEntriesSwept(resolve));

    doomed.abandon();

    // The survivor's own heartbeat loop finds the expired node.
    expect(await swept).toEqual(['general']);
    expect((await survivor.presence('general')).users).toEqual(['bob']);
    // ana is still in b through a session on the survivor.
    expect((await survivor.presence('b')).users).toEqual(['ana']);
    expect(await survivor.isOnline('ana')).toBe(false);
    expect(await survivor.claimNickname('ana', 'k2')).toBe(true);
    expect((await survivor.listRooms()).rooms).toEqual([
      { name: 'general', members: 1 },
      { name: 'b', members: 1 },
    ]);
    await survivor.close();
  });

  it('a node leaving on purpose removes its entries at once', async () => {
    const keyPrefix = `t-${randomUUID()}:`;
    const common = { url: redis.url, keyPrefix, initialRooms: ['general'] };
    const leaving = await RedisChatStore.connect({ ...common, nodeId: 'leaving' });
    const staying = await RedisChatStore.connect({ ...common, nodeId: 'staying' });
    await leaving.join('general', 's1/a', 'ana');
    await leaving.close();
    expect((await staying.presence('general')).users).toEqual([]);
    await staying.close();
  });
});
