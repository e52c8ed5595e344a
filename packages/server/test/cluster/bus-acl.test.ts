import { readFileSync } from 'node:fs';
import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServe } from '../../src/cli/serve.js';
import { useInProcessServe } from '../cli/in-process-serve.js';
import { POST } from '../sockjs/helpers.js';

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

const redis = useRedisServer();
beforeAll(async () => {
  await redis.admin.call('ACL', 'SETUSER', ...documentedAcl());
  await redis.admin.call('ACL', 'SETUSER', 'other', 'on', '>other', '~other:*', '&other:*', '+@all');
});

const cli = useInProcessServe();
const client = cli.client;

/** Node `nodeId`, logged in to Redis as the README's user, with a cluster secret. */
function serve(nodeId: string): Promise<RunningServe> {
  const url = `redis://sockwire:${PASSWORD}@127.0.0.1:${redis.port}`;
  return cli.serve(['--broker', url, '--node-id', nodeId, '--cluster-secret', 'acl test secret']);
}

describe('Sockwire under the README’s Redis ACL', () => {
  it('serves sessions across nodes and shares topics and queues, with no command or key refused', async () => {
    const a = await serve('acl-a');
    const b = await serve('acl-b');
    // A SockJS session opened on A, used through B: forwarded over the session bus.
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

    expect(await redis.admin.call('ACL', 'LOG')).toEqual([]);
    // It was that user, and the ACL held: the nodes' connections are its, and it is refused elsewhere.
    const connections = ((await redis.admin.call('CLIENT', 'LIST')) as string).split('\n').filter(Boolean);
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
