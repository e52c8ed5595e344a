import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs, type RunningServe, startServe } from '../../src/cli/serve.js';
import { type ChatClient, connectClient, type StompNode } from '../brokers/redis/support/stomp-nodes.js';
import { POST } from '../sockjs/helpers.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

/*
 * The README's Redis ACL, taken from the README itself, applied to a private Redis: two `sockwire serve`
 * nodes logged in as that user, with a cluster secret, serve each other's SockJS sessions and share topics and
 * queues, and Redis refuses them nothing; a user confined to another prefix cannot publish on their channels.
 */

const README = new URL('../../../../README.md', import.meta.url);
const PASSWORD = 'long-random-password';

/** The documented `ACL SETUSER` line, as arguments. */
function documentedAcl(): string[] {
  const line = readFileSync(README, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('ACL SETUSER sockwire '));
  if (line === undefined) throw new Error('README.md has no ACL SETUSER sockwire line');
  expect(line).toContain(`>${PASSWORD}`);
  return line.split(' ').slice(2);
}

let redis: RedisServer;
let admin: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
  await admin.call('ACL', 'SETUSER', ...documentedAcl());
  await admin.call('ACL', 'SETUSER', 'other', 'on', '>other', '~other:*', '&other:*', '+@all');
});
afterAll(async () => {
  admin.disconnect();
  await redis.stop();
});

const running: RunningServe[] = [];
const clients: ChatClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(running.splice(0).map((serve) => serve.close()));
});

async function serve(nodeId: string): Promise<RunningServe> {
  const url = `redis://sockwire:${PASSWORD}@127.0.0.1:${redis.port}`;
  const args = ['--port', '0', '--host', '127.0.0.1', '--broker', url, '--node-id', nodeId];
  const started = await startServe(parseServeArgs([...args, '--cluster-secret', 'acl test secret']));
  running.push(started);
  return started;
}

async function client(started: RunningServe, user: string): Promise<ChatClient> {
  const base = started.urls.sockjs.replace(/^http:\/\//, '');
  const connected = await connectClient({ base } as StompNode, 'raw-websocket', user);
  clients.push(connected);
  return connected;
}

describe('Sockwire under the README’s Redis ACL', () => {
  it('serves sessions across nodes and shares topics and queues, with no command or key refused', async () => {
    const a = await serve('acl-a');
    const b = await serve('acl-b');
    // A SockJS session opened on A, used through B: relayed over the session bus.
    const s = `/000/acl-${Date.now()}`;
    expect((await POST(`${a.urls.sockjs}${s}/xhr`)).body).toBe('o\n');
    const connect = JSON.stringify(['CONNECT\naccept-version:1.2\nhost:/\n\n\u0000']);
    expect((await POST(`${b.urls.sockjs}${s}/xhr_send`, connect)).status).toBe(204);
    expect((await POST(`${b.urls.sockjs}${s}/xhr`)).body).toMatch(/^a\["CONNECTED\\n/);

    const reader = await client(b, 'reader');
    const writer = await client(a, 'writer');
    const topic = await reader.subscribe('/topic/acl');
    const queue = await reader.subscribe('/queue/acl');
    await writer.send('/topic/acl', 'to the topic');
    await writer.send('/queue/acl', 'to the queue');
    await topic.waitFor(1);
    await queue.waitFor(1);
    expect(topic.messages.map((message) => message.body)).toEqual(['to the topic']);
    expect(queue.messages.map((message) => message.body)).toEqual(['to the queue']);

    expect(await admin.call('ACL', 'LOG')).toEqual([]);
    // It was that user, and the ACL held: the nodes' connections are its, and it is refused elsewhere.
    const connections = ((await admin.call('CLIENT', 'LIST')) as string).split('\n').filter(Boolean);
    expect(connections.filter((line) => line.includes(' user=sockwire ')).length).toBeGreaterThanOrEqual(4);
    const asNode = new Redis(`redis://sockwire:${PASSWORD}@127.0.0.1:${redis.port}`);
    try {
      await expect(asNode.get('other:key')).rejects.toThrow(/NOPERM/);
      await expect(asNode.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
    } finally {
      asNode.disconnect();
    }
  });

  it('keeps a user confined to another prefix off the nodes’ channels', async () => {
    const outsider = new Redis(`redis://other:other@127.0.0.1:${redis.port}`);
    try {
      await expect(outsider.publish('sockwire:node:acl-a', 'null')).rejects.toThrow(/NOPERM/);
      await expect(outsider.get('sockwire:session:x')).rejects.toThrow(/NOPERM/);
    } finally {
      outsider.disconnect();
    }
  });
});
