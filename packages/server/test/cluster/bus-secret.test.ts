import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import { describe, expect, it } from 'vitest';
import { MessageSeal } from '../../src/cluster/message-seal.js';
import { POST, stream } from '../sockjs/helpers.js';
import { type BusNode, useBusClusters } from './bus-nodes.js';

/*
 * Two nodes sharing a cluster secret on a private Redis. They serve each other's sessions as before; an
 * outsider who can publish and subscribe, but lacks the secret, can neither write into a forwarded response nor
 * replay what it overheard, even knowing the request ids.
 */

const SECRET = 'correct horse battery staple';

const redis = useRedisServer();
const clusters = useBusClusters(redis, 'secret');
const sid = clusters.sid;
const json = (value: unknown) => JSON.stringify(value);
/** The envelope of a sealed message: `s1.<43 characters of signature>.<envelope>`. */
const envelope = (text: string) => JSON.parse(text.slice(47)) as { f: string; m: Record<string, unknown> };

async function twoNodes(): Promise<[BusNode, BusNode]> {
  const cluster = await clusters.start({ secret: SECRET });
  return cluster.nodes as [BusNode, BusNode];
}

describe('the Redis session bus with a cluster secret', () => {
  it('lets two nodes with the same secret serve each other’s sessions, with nothing dropped', async () => {
    const [a, b] = await twoNodes();
    const s = sid();
    expect((await POST(`${a.base}${s}/xhr`)).body).toBe('o\n');
    expect((await POST(`${b.base}${s}/xhr_send`, '["one"]')).status).toBe(204);
    expect((await POST(`${b.base}${s}/xhr`)).body).toBe('a["one"]\n');
    const forwarded = await stream('POST', `${b.base}${s}/xhr_streaming`);
    expect(await forwarded.read()).toBe('h'.repeat(2048) + '\n');
    expect((await POST(`${b.base}${s}/xhr_send`, '["two"]')).status).toBe(204);
    expect(await forwarded.read()).toBe('a["two"]\n');
    forwarded.abort();
    expect(a.opened).toHaveLength(1);
    expect(b.opened).toHaveLength(0);
    expect(a.bus.stats().dropped).toBe(0);
    expect(b.bus.stats().dropped).toBe(0);
  });

  it('drops unsigned, wrongly signed, replayed, misdirected and stale messages; none reaches the response', async () => {
    const [a, b] = await twoNodes();
    const cluster = clusters.current;
    const { outsider } = cluster;
    const toA = cluster.channel(a.id);
    const toB = cluster.channel(b.id);
    const heardByA = await cluster.listen(toA);
    const heardByB = await cluster.listen(toB);
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    const forwarded = await stream('POST', `${b.base}${s}/xhr_streaming`);
    await forwarded.read();
    await waitFor(() => heardByA.length > 0, 'the attach on the bus');
    // Signing does not hide: an eavesdropper learns the request id and keeps signed messages to replay.
    const signedAttach = heardByA[0] as string;
    const req = envelope(signedAttach).m['req'] as string;
    expect((await POST(`${a.base}${s}/xhr_send`, '["one"]')).status).toBe(204);
    expect(await forwarded.read()).toBe('a["one"]\n');
    const isWrite = (text: string) => envelope(text).m['t'] === 'write';
    await waitFor(() => heardByB.some(isWrite), 'the write on the bus');
    const signedWrite = heardByB.find(isWrite) as string;
    const write = (data: string) => ({ t: 'write', req, data });

    const dropsOnB: Array<[string, string]> = [
      [json(write('INJECTED-unsigned')), 'unsigned'],
      ['null', 'unsigned'],
      [new MessageSeal('wrong secret', a.id).seal(toB, write('INJECTED-wrong')), 'bad signature'],
      [signedWrite, 'replayed'],
      // Signed for A's channel: refused on B's.
      [signedAttach, 'bad signature'],
      [new MessageSeal(SECRET, a.id, () => Date.now() - 120_000).seal(toB, write('INJECTED-old')), 'stale'],
    ];
    const dropsOnA: Array<[string, string]> = [
      [signedAttach, 'replayed'],
      [
        new MessageSeal(SECRET, b.id).seal(toA, { ...envelope(signedAttach).m, from: 'evil' }),
        'sender mismatch',
      ],
      // A valid signature does not excuse a malformed message.
      [new MessageSeal(SECRET, b.id).seal(toA, null), 'not an object'],
    ];
    for (const [text] of dropsOnB) await outsider.publish(toB, text);
    for (const [text] of dropsOnA) await outsider.publish(toA, text);
    // Unsigned news of A's death is not believed: the stream through B stays open.
    await outsider.publish(`${cluster.prefix}lost`, a.id);
    await waitFor(
      () => b.bus.stats().dropped === dropsOnB.length + 1 && a.bus.stats().dropped === dropsOnA.length + 1,
      () => `drops on B and A, got ${json(b.bus.stats())} and ${json(a.bus.stats())}`,
    );
    const count = (drops: Array<[string, string]>) => {
      const counts: Record<string, number> = {};
      for (const [, reason] of drops) counts[reason] = (counts[reason] ?? 0) + 1;
      counts['unsigned'] = (counts['unsigned'] ?? 0) + 1; // the lost announcement
      return counts;
    };
    expect(b.bus.stats().reasons).toEqual(count(dropsOnB));
    expect(a.bus.stats().reasons).toEqual(count(dropsOnA));
    // The replayed attach attached nothing more.
    expect(a.server.stats().forwardedRequests).toBe(1);

    expect((await POST(`${b.base}${s}/xhr_send`, '["two"]')).status).toBe(204);
    expect(await forwarded.read()).toBe('a["two"]\n');
    forwarded.abort();
  });

  it('takes a message signed with the secret from anywhere: the secret is the credential', async () => {
    const [a, b] = await twoNodes();
    const cluster = clusters.current;
    const heardByA = await cluster.listen(cluster.channel(a.id));
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    const forwarded = await stream('POST', `${b.base}${s}/xhr_streaming`);
    await forwarded.read();
    await waitFor(() => heardByA.length > 0, 'the attach on the bus');
    const req = envelope(heardByA[0] as string).m['req'] as string;
    const holder = new MessageSeal(SECRET, 'node9');
    await cluster.outsider.publish(
      cluster.channel(b.id),
      holder.seal(cluster.channel(b.id), { t: 'write', req, data: 'a["signed"]\n' }),
    );
    expect(await forwarded.read()).toBe('a["signed"]\n');
    forwarded.abort();
  });
});
