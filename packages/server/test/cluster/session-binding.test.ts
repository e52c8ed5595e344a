import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { describe, expect, it } from 'vitest';
import { POST } from '../sockjs/helpers.js';
import { type BusNode, useBusClusters } from './bus-nodes.js';

/*
 * Security issue 14, hole 2, across a cluster: a session lives on one node and any node forwards its requests,
 * so the binding must hold on the forwarded path too. Two nodes on a private Redis; the session is opened on A,
 * the attacker and the owner both go through B.
 */

const redis = useRedisServer();
const clusters = useBusClusters(redis, 'binding');
const sid = clusters.sid;

async function twoNodes(server = {}): Promise<[BusNode, BusNode]> {
  const cluster = await clusters.start({ server });
  return cluster.nodes as [BusNode, BusNode];
}

describe('session binding on forwarded requests', () => {
  it('a forwarded send or poll without the key is refused; the owner, forwarded, gets its messages', async () => {
    const [a, b] = await twoNodes();
    const s = sid();
    const open = await POST(`${a.base}${s}/xhr?sw_key=new`);
    const key = /^o\{"key":"([^"]+)"\}\n$/.exec(open.body)?.[1] ?? '';
    expect(key).toHaveLength(24);
    expect((await POST(`${a.base}${s}/xhr_send?sw_key=${key}`, '["private"]')).status).toBe(204);

    const send = await POST(`${b.base}${s}/xhr_send`, '["intruder"]');
    expect(send.status).toBe(403);
    expect(send.body).toContain('session key');
    // A forwarded poll is answered 200 by the edge before the owner looks: the refusal is a close frame.
    const poll = await POST(`${b.base}${s}/xhr`);
    expect(poll.body).toMatch(/^c\[1008,"Sockwire: this session belongs to the client that opened it/);
    expect(poll.body).not.toContain('private');

    expect((await POST(`${b.base}${s}/xhr_send?sw_key=${key}`, '["owner"]')).status).toBe(204);
    expect((await POST(`${b.base}${s}/xhr?sw_key=${key}`)).body).toBe('a["private","owner"]\n');
    expect(a.opened).toHaveLength(1);
    expect(a.opened[0]?.state).toBe('open');
  });

  it('sessionOwner holds across nodes', async () => {
    const owner = (r: { headers: Record<string, unknown> }) =>
      /login=(\w+)/.exec(String(r.headers.cookie ?? ''))?.[1];
    const [a, b] = await twoNodes({ sessionOwner: owner });
    const s = sid();
    expect((await POST(`${a.base}${s}/xhr`, undefined, { Cookie: 'login=alice' })).body).toBe('o\n');
    expect((await POST(`${b.base}${s}/xhr_send`, '["x"]', { Cookie: 'login=mallory' })).status).toBe(403);
    const stolen = await POST(`${b.base}${s}/xhr`, undefined, { Cookie: 'login=mallory' });
    expect(stolen.body).toMatch(/^c\[1008,.*sessionOwner/);
    expect((await POST(`${b.base}${s}/xhr_send`, '["y"]', { Cookie: 'login=alice' })).status).toBe(204);
    expect((await POST(`${b.base}${s}/xhr`, undefined, { Cookie: 'login=alice' })).body).toBe('a["y"]\n');
  });
});
