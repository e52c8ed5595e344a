import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import { describe, expect, it } from 'vitest';
import { POST, stream } from '../sockjs/helpers.js';
import { useBusClusters } from './bus-nodes.js';

/*
 * Two nodes on a private Redis, without a cluster secret, and an outsider publishing on their channels. The
 * bus used to hand whatever it parsed to the forwarder: `PUBLISH <node channel> null` ended the process with a
 * TypeError, and a well-formed attach opened a session with the outsider's headers. Now every message is
 * checked first; what fails is dropped, counted and logged (once, not per message), and the nodes go on.
 */

const redis = useRedisServer();
const clusters = useBusClusters(redis, 'garbage');
const sid = clusters.sid;
const json = (value: unknown) => JSON.stringify(value);

const request = {
  headers: { host: 'example.com', 'x-user': 'admin' },
  url: '/echo/000/x/xhr',
  remoteAddress: '10.0.0.1',
  remotePort: 1234,
};
const attach = { t: 'attach', req: 'evil:x:1', from: 'evil', sid: 'x', transport: 'xhr-polling', request };

/** Everything here fails the shape check: each is one drop on each node's channel. */
const GARBAGE: string[] = [
  'null',
  '',
  'not json',
  '{',
  '[]',
  '42',
  '"write"',
  'true',
  '{}',
  '['.repeat(100_000),
  '['.repeat(5_000) + ']'.repeat(5_000),
  json({ t: 'exec', req: 'r' }),
  json({ t: 'toString', req: 'r' }),
  json({ t: 'write' }),
  json({ t: 'write', req: 1, data: 'x' }),
  json({ t: 'write', req: 'r', data: { toString: 'x' } }),
  json({ t: 'end', req: 'r', data: 7 }),
  json({ t: 'destroy' }),
  json({ t: 'abort', req: null }),
  json({ t: 'reply', req: 'r', status: '204' }),
  '{"t":"reply","req":"r","status":1e400}',
  '{"t":"abort","req":"r","__proto__":{"polluted":true}}',
  json({ t: 'send', req: 'r', from: 'evil', sid: 'x', messages: [1, 2] }),
  json({ t: 'send', req: 'r', from: 'evil', sid: 'x', messages: 'xx' }),
  json({ ...attach, user: 'admin' }),
  json({ ...attach, transport: 'websocket' }),
  json({ ...attach, callback: 'alert(document.cookie)//' }),
  json({ ...attach, request: { ...request, headers: { 'x-user': 'admin\r\nx-role: root' } } }),
  json({ ...attach, request: { ...request, remotePort: '80' } }),
  // Huge, though below what Redis lets one pub/sub message be.
  json({ t: 'abort', req: 'r'.repeat(1_000_000) }),
  json({ t: 'write', req: 'w'.repeat(100_000), data: 'x' }),
  json({ ...attach, request: { ...request, url: `/${'u'.repeat(100_000)}` } }),
  json({
    ...attach,
    request: {
      ...request,
      headers: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`h${i}`, 'v'])),
    },
  }),
];

/** Not node ids: dropped on the `lost` channel (which both nodes hear). */
const LOST_GARBAGE = ['', 'x'.repeat(300), 'a\nb'];

describe('the Redis session bus, without a cluster secret, against garbage', () => {
  it('drops garbage on every channel it listens to, counts it, logs it once, and keeps serving', async () => {
    const cluster = await clusters.start();
    const { outsider } = cluster;
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    // A session on A, with a stream forwarded through B open while the garbage arrives.
    const s = sid();
    expect((await POST(`${a.base}${s}/xhr`)).body).toBe('o\n');
    const forwarded = await stream('POST', `${b.base}${s}/xhr_streaming`);
    expect(await forwarded.read()).toBe('h'.repeat(2048) + '\n');
    await waitFor(() => a.server.stats().forwardedRequests === 1, 'the forwarded stream to reach A');

    for (const node of cluster.nodes) {
      for (const text of GARBAGE) await outsider.publish(cluster.channel(node.id), text);
    }
    for (const text of LOST_GARBAGE) await outsider.publish(`${cluster.prefix}lost`, text);
    const expected = GARBAGE.length + LOST_GARBAGE.length;
    await waitFor(
      () => a.bus.stats().dropped === expected && b.bus.stats().dropped === expected,
      () => `${expected} drops on each node, got ${a.bus.stats().dropped} and ${b.bus.stats().dropped}`,
    );
    expect(a.bus.stats().reasons).toMatchObject({
      'not JSON': 4,
      'not an object': 6,
      'unknown kind': 3,
      'write.req: missing': 1,
      'write.req: invalid': 2,
      'reply.status: invalid': 2,
      'abort: unknown field': 1,
      'attach.request: invalid': 4,
      'lost: not a node id': 3,
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // Logged, but not once per message: whoever publishes garbage cannot flood the log.
    for (const node of cluster.nodes) {
      expect(node.errors.filter((line) => line.includes('dropped'))).toHaveLength(1);
    }

    // The stream forwarded before carries the next message, and nothing the garbage put in.
    expect((await POST(`${a.base}${s}/xhr_send`, '["after"]')).status).toBe(204);
    expect(await forwarded.read()).toBe('a["after"]\n');
    forwarded.abort();
    // A new session is served across the nodes as ever, and only the two real sessions were opened.
    const t = sid();
    expect((await POST(`${b.base}${t}/xhr`)).body).toBe('o\n');
    expect((await POST(`${a.base}${t}/xhr_send`, '["x","y"]')).status).toBe(204);
    expect((await POST(`${a.base}${t}/xhr`)).body).toBe('a["x","y"]\n');
    expect(a.opened).toHaveLength(1);
    expect(b.opened).toHaveLength(1);
  });

  it('opens no session for a forged attach, whatever headers it carries', async () => {
    const cluster = await clusters.start();
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const answers = await cluster.listen(cluster.channel('evil'));
    const s = sid();
    const id = s.split('/')[2] as string;
    const forged = { ...attach, sid: id, request: { ...request, url: `/echo${s}/xhr` } };
    await cluster.outsider.publish(cluster.channel(a.id), json(forged));
    // The registry does not give A that session, so the "forwarding node" hears it is lost.
    await waitFor(() => answers.length > 0, 'the answer to the forged attach');
    expect(answers.map((text) => JSON.parse(text))).toEqual([
      { t: 'end', req: 'evil:x:1', data: 'c[1001,"Session lost with its server"]\n' },
    ]);
    expect(a.opened).toEqual([]);
    expect(a.server.stats().sessionIds).toBe(0);
    expect(a.server.stats().forwardedRequests).toBe(0);
    // The id is still free: the real client gets a session of its own, with its own headers.
    expect((await POST(`${b.base}${s}/xhr`)).body).toBe('o\n');
    expect(b.opened.map((connection) => connection.headers['x-user'])).toEqual([undefined]);
    expect(a.opened).toEqual([]);
  });

  it('writes nothing into a forwarded response for forged or malformed writes', async () => {
    const cluster = await clusters.start();
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const toA = await cluster.listen(cluster.channel(a.id));
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    const forwarded = await stream('POST', `${b.base}${s}/xhr_streaming`);
    await forwarded.read();
    await waitFor(() => toA.length > 0, 'the attach on the bus');
    // Anyone subscribed learns the request id; a malformed message using it still does nothing.
    const { req } = JSON.parse(toA[0] as string) as { req: string };
    const toB = cluster.channel(b.id);
    const forged = [
      json({ t: 'write', req: `${b.id}:guess:1`, data: 'INJECTED-1' }),
      json({ t: 'write', req, data: 5 }),
      json({ t: 'write', req, data: 'INJECTED-2', status: 200 }),
      json({ t: 'end', req, data: { length: 1 } }),
      json({ t: 'destroy', req, now: true }),
    ];
    for (const text of forged) await cluster.outsider.publish(toB, text);
    await waitFor(() => b.bus.stats().dropped === forged.length - 1, 'the malformed writes dropped');
    expect((await POST(`${a.base}${s}/xhr_send`, '["real"]')).status).toBe(204);
    expect(await forwarded.read()).toBe('a["real"]\n');
    forwarded.abort();
  });
});
