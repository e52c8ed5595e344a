import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSED } from '../../stomp/support/raw-client.js';
import { fakeTarget } from '../../stomp/support/targets.js';
import { header, wire } from '../../stomp/support/test-client.js';
import { cluster } from './support/nodes.js';

/*
 * The Redis broker's answer to "would this publish create a queue?", which the STOMP layer's 'create'
 * authorization asks: a lookup in the queue index kept in Redis, so a queue made on one node exists for every
 * node. (Its quotas and idle expiry: redis-quotas.test.ts.)
 */

const server = useRedisServer();

let run = 0;
let nodes: ReturnType<typeof cluster>;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await nodes.closeAll();
});
function fresh() {
  nodes = cluster(server.url, `wc${++run}:`);
  return nodes;
}

describe('Redis broker: wouldCreate', () => {
  it('is true only for a queue no node has made, by publish or subscribe', async () => {
    const { node } = fresh();
    const [a, b] = await Promise.all([node(), node()]);
    expect(await a.wouldCreate('/queue/q')).toBe(true);
    expect(await a.wouldCreate('/topic/t')).toBe(false);
    await a.publish('/queue/q', [], 'm');
    expect(await b.wouldCreate('/queue/q')).toBe(false);
    expect(await a.wouldCreate('/queue/sub')).toBe(true);
    await b.subscribe('/queue/sub', { deliver: () => {} }, { manualAck: false });
    expect(await a.wouldCreate('/queue/sub')).toBe(false);
  });

  it("drives authorize 'create' through STOMP: a new queue is refused, an existing one is not", async () => {
    const { node } = fresh();
    const redis = await node();
    const asked: string[] = [];
    const target = fakeTarget({
      broker: redis,
      authorize: (_principal, action, destination) => {
        asked.push(`${action} ${destination}`);
        return action !== 'create';
      },
    });
    closers.push(() => target.close());
    await redis.publish('/queue/existing', [], 'made by the server');
    const client = await target.open();
    client.send(wire('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' }));
    /** The next frame as `COMMAND detail` (the receipt-id, or an ERROR's body). */
    const next = async () => {
      const got = await client.next(2000);
      if (got === undefined || got === CLOSED) return String(got);
      return `${got.command} ${got.command === 'ERROR' ? got.body : (header(got, 'receipt-id') ?? '')}`;
    };
    expect(await next()).toBe('CONNECTED ');
    client.send(wire('SEND', { destination: '/queue/existing', receipt: 'ok' }, 'hi'));
    expect(await next()).toBe('RECEIPT ok');
    client.send(wire('SEND', { destination: '/queue/new', receipt: 'no' }, 'hi'));
    expect(await next()).toBe('ERROR not allowed to create /queue/new');
    expect(asked).toEqual(['send /queue/existing', 'send /queue/new', 'create /queue/new']);
    expect(await redis.wouldCreate('/queue/new')).toBe(true);
  });
});
