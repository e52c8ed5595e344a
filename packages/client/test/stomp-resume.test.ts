import type { InboundInterceptor } from '@sockwire/server';
import { waitFor } from '@sockwire/test-support/wait';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectCounter,
  numbered,
  Received,
  StompClients,
  type StompTransport,
} from './support/stomp-clients.js';
import { StompTestServer } from './support/stomp-server.js';

/*
 * Subscriptions that resume after reconnects, against the real broker (history on) over a real HTTP server:
 * cuts while publishing, a subscription that had received nothing, a history too short (onGap 'truncated'),
 * a restarted broker (onGap 'epoch'). Each test ends by publishing "end" and waiting for it: messages of one
 * destination arrive in order, so by then any duplicate would have arrived too.
 */

const TRANSPORTS: StompTransport[] = ['websocket', 'xhr-streaming', 'xhr-polling'];

let server: StompTestServer | null = null;
const clients = new StompClients();

afterEach(async () => {
  await clients.deactivateAll();
  await server?.stop();
  server = null;
});

function publish(destination: string, bodies: string[]): Promise<unknown> {
  const broker = server?.broker;
  if (!broker) throw new Error('no server');
  // Not awaited one by one: the memory broker publishes synchronously, so all are out before anything else runs.
  return Promise.all(bodies.map((body) => broker.publish(destination, body)));
}

function replayed(): number {
  return server?.broker?.stats().broker.history?.replayed ?? 0;
}

describe.each(TRANSPORTS)('resuming subscriptions over %s', (transport) => {
  it('delivers every message once, in offset order, through repeated cuts while publishing goes on', async () => {
    server = await new StompTestServer().start();
    const c = clients.make(server.url, transport);
    const feed = new Received();
    c.subscribe('/topic/feed', feed.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    // A send's RECEIPT comes after the SUBSCRIBE's: from here on the subscription is live.
    await c.send('/topic/sync', 'sync');

    // Noise: a publisher on its own timer, so cuts land anywhere in the stream.
    let background = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await publish('/topic/feed', [`bg${background++}`]);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    for (let cut = 1; cut <= 3; cut++) {
      await waitFor(() => feed.messages.length >= cut * 20, `20 more messages before cut ${cut}`);
      server.cut();
      // Published while the client is certainly away: its connection is gone and it reconnects later.
      await publish('/topic/feed', numbered(`away${cut}-`, 5));
      await connects.reached(cut + 1);
    }
    await waitFor(() => feed.messages.length >= 80, '20 more messages after the last cut');
    publishing = false;
    await publisher;
    await publish('/topic/feed', ['end']);
    await feed.until('end');

    const offsets = feed.offsets;
    expect(offsets).toEqual(offsets.map((_, i) => i));
    const expected = feed.bodies.filter((body) => body.startsWith('bg'));
    expect(expected).toEqual(numbered('bg', background));
    for (let cut = 1; cut <= 3; cut++) {
      expect(feed.bodies.filter((body) => body.startsWith(`away${cut}-`))).toEqual(
        numbered(`away${cut}-`, 5),
      );
    }
    expect(feed.bodies).toHaveLength(background + 15 + 1);
    expect(replayed()).toBeGreaterThanOrEqual(15);
  });

  it('resumes a subscription that received nothing before the cut from where its live delivery began', async () => {
    server = await new StompTestServer().start();
    // Messages from before the subscription: resuming from offset 0 ('first') would wrongly bring them.
    await publish('/topic/quiet', numbered('old', 3));
    const c = clients.make(server.url, transport);
    const quiet = new Received();
    c.subscribe('/topic/quiet', quiet.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await c.send('/topic/sync', 'sync');
    server.cut();
    await publish('/topic/quiet', numbered('q', 5));
    await connects.reached(2);
    await publish('/topic/quiet', ['end']);
    await quiet.until('end');
    expect(quiet.events).toEqual([...numbered('q', 5), 'end']);
    expect(quiet.offsets).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("reports a resume past the history's size as a 'truncated' gap, then delivers what is retained", async () => {
    server = await new StompTestServer({ history: { size: 5 } }).start();
    const c = clients.make(server.url, transport, { onGap: (gap) => small.gap(gap) });
    const small = new Received();
    const subscription = c.subscribe('/topic/small', small.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await c.send('/topic/sync', 'sync');
    await publish('/topic/small', numbered('m', 3));
    await small.until('m2');
    await server.down();
    await publish('/topic/small', numbered('m', 50, 3));
    await server.up();
    await connects.reached(2);
    // Only once the SUBSCRIBE went through: "end" would push m48 out of the 5 retained.
    await c.send('/topic/sync', 'sync');
    await publish('/topic/small', ['end']);
    await small.until('end');
    expect(small.events).toEqual([...numbered('m', 3), 'gap:truncated', ...numbered('m', 5, 48), 'end']);
    expect(small.gaps).toEqual([
      {
        subscriptionId: subscription.id,
        destination: '/topic/small',
        reason: 'truncated',
        requested: 3,
        resumedAt: 48,
      },
    ]);
    expect(small.offsets).toEqual([0, 1, 2, 48, 49, 50, 51, 52, 53]);
  });

  it("reports a restarted broker as an 'epoch' gap, then delivers the new broker's messages", async () => {
    server = await new StompTestServer().start();
    const c = clients.make(server.url, transport, { onGap: (gap) => news.gap(gap) });
    const news = new Received();
    const subscription = c.subscribe('/topic/news', news.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await c.send('/topic/sync', 'sync');
    await publish('/topic/news', numbered('m', 3));
    await news.until('m2');
    const firstEpoch = news.messages[0]?.headers['x-stream-epoch'];
    // The new broker has messages before the client can reconnect: they are replayed after the gap.
    await server.restart((broker) => broker.publish('/topic/news', 'n0').then(() => undefined));
    await connects.reached(2);
    await publish('/topic/news', ['end']);
    await news.until('end');
    expect(news.events).toEqual(['m0', 'm1', 'm2', 'gap:epoch', 'n0', 'end']);
    expect(news.gaps).toEqual([
      {
        subscriptionId: subscription.id,
        destination: '/topic/news',
        reason: 'epoch',
        requested: 3,
        resumedAt: 0,
      },
    ]);
    expect(news.offsets).toEqual([0, 1, 2, 0, 1]);
    expect(news.messages[3]?.headers['x-stream-epoch']).not.toBe(firstEpoch);
  });
});

describe('resuming subscriptions', () => {
  it("follows a restarted broker's new numbering from offset 0 when it had nothing retained", async () => {
    server = await new StompTestServer().start();
    const c = clients.make(server.url, 'websocket', { onGap: (gap) => news.gap(gap) });
    const news = new Received();
    c.subscribe('/topic/news', news.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await c.send('/topic/sync', 'sync');
    await publish('/topic/news', numbered('m', 3));
    await news.until('m2');
    await server.restart();
    await connects.reached(2);
    // Offsets 0 and 1 are below the old position, but in another epoch: not duplicates.
    await publish('/topic/news', ['k0', 'k1', 'end']);
    await news.until('end');
    expect(news.events).toEqual(['m0', 'm1', 'm2', 'gap:epoch', 'k0', 'k1', 'end']);
    expect(news.offsets).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it("honours the application's x-stream-offset on the first SUBSCRIBE only, then resumes by offset", async () => {
    server = await new StompTestServer().start();
    await publish('/topic/log', numbered('a', 3));
    const c = clients.make(server.url, 'websocket');
    const log = new Received();
    c.subscribe('/topic/log', log.take, { 'x-stream-offset': 'first' });
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await log.until('a2');
    server.cut();
    await publish('/topic/log', ['a3']);
    await connects.reached(2);
    await publish('/topic/log', ['end']);
    await log.until('end');
    expect(log.events).toEqual(['a0', 'a1', 'a2', 'a3', 'end']);
    // 'first' again would have replayed a0..a3, which the client would then drop as duplicates ('end' too, when
    // it was published before the SUBSCRIBE of the reconnect was handled).
    expect([4, 5]).toContain(replayed());
  });

  it('drops messages replayed again from before its position (a server that replays from earlier)', async () => {
    // RabbitMQ streams, for one, start a resume at a chunk boundary: here every resume replays from the first.
    const fromFirst: InboundInterceptor = (frame) =>
      frame.command === 'SUBSCRIBE'
        ? {
            ...frame,
            headers: frame.headers.map(([name, value]) =>
              name === 'x-stream-offset' ? ([name, 'first'] as const) : ([name, value] as const),
            ),
          }
        : undefined;
    server = await new StompTestServer({ interceptors: { inbound: [fromFirst] } }).start();
    const c = clients.make(server.url, 'websocket');
    const feed = new Received();
    c.subscribe('/topic/feed', feed.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await c.send('/topic/sync', 'sync');
    await publish('/topic/feed', numbered('m', 3));
    await feed.until('m2');
    server.cut();
    await publish('/topic/feed', ['m3']);
    await connects.reached(2);
    await publish('/topic/feed', ['end']);
    await feed.until('end');
    expect(feed.events).toEqual(['m0', 'm1', 'm2', 'm3', 'end']);
    // m0..m3 again, and 'end' too when it was published before the SUBSCRIBE of the reconnect was handled.
    expect([4, 5]).toContain(replayed());
  });

  it('re-subscribes queues as before: no stream position, no gap, held messages delivered', async () => {
    server = await new StompTestServer().start();
    const gaps: string[] = [];
    const c = clients.make(server.url, 'websocket', { onGap: (gap) => gaps.push(gap.reason) });
    const jobs = new Received();
    c.subscribe('/queue/jobs', jobs.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await c.send('/queue/jobs', 'j0');
    await jobs.until('j0');
    await server.down();
    await publish('/queue/jobs', ['j1', 'j2']);
    await server.up();
    await connects.reached(2);
    await jobs.until('j2');
    expect(jobs.events).toEqual(['j0', 'j1', 'j2']);
    expect(jobs.messages.every((message) => message.headers['x-stream-offset'] === undefined)).toBe(true);
    expect(gaps).toEqual([]);
  });

  it('a topic that keeps no history: every reconnect reports a no-history gap instead of resuming in silence', async () => {
    server = await new StompTestServer({ history: false }).start();
    const gaps: string[] = [];
    const c = clients.make(server.url, 'websocket', {
      onGap: (gap) => gaps.push(`${gap.reason} ${gap.destination}`),
    });
    const feed = new Received();
    c.subscribe('/topic/ephemeral', feed.take);
    const jobs = new Received();
    c.subscribe('/queue/kept', jobs.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await c.send('/topic/sync', 'sync');
    await publish('/topic/ephemeral', ['before']);
    await feed.until('before');
    await server.down();
    await publish('/topic/ephemeral', ['lost while away']);
    await server.up();
    await connects.reached(2);
    await waitFor(() => gaps.length > 0, 'the no-history gap');
    // A topic without history drops what is published before the subscription is back: a confirmed send on
    // the same connection is answered only after the server took the SUBSCRIBE made before it.
    await c.send('/topic/sync', 'sync again');
    await publish('/topic/ephemeral', ['end']);
    await feed.until('end');
    expect(feed.events).toEqual(['before', 'end']);
    // Said once, for the topic only: a queue keeps its messages for an absent consumer.
    expect(gaps).toEqual(['no-history /topic/ephemeral']);
  });
});
