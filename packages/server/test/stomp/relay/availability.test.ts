import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, settle, type TestClient } from './support/clients.js';
import { type RelayNode, startRelayNode } from './support/node.js';
import { RABBITMQ, RUN, requireRabbitMq } from './support/rabbitmq.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * The broker going away, as clients and the application see it. A loopback TCP proxy between the relay and
 * RabbitMQ is what breaks: cut, refusing, or silent.
 */
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(requireRabbitMq);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function proxied(relay: Parameters<typeof startRelayNode>[0] = {}) {
  const proxy = await TcpProxy.start(RABBITMQ);
  cleanups.push(() => proxy.close());
  const node = await startRelayNode({ port: proxy.port, ...relay });
  cleanups.push(() => node.close());
  return { proxy, node };
}

async function client(node: RelayNode, login: string): Promise<TestClient> {
  const connected = await connectClient(node, login);
  cleanups.push(() => connected.stop());
  return connected;
}

/** The ERROR a client gets when it CONNECTs, and the close after it. */
async function refusedConnect(node: RelayNode): Promise<{ message: string | undefined; body: string }> {
  const attempt = connectClient(node, 'late');
  const failure = await attempt.then(
    () => undefined,
    (error: unknown) => String(error),
  );
  expect(failure).toBeDefined();
  const [, message, body] = /^Error: ERROR (.*?): ([\s\S]*)$/.exec(failure ?? '') ?? [];
  return { message, body: body ?? '' };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('STOMP relay: broker not available', () => {
  it('with nothing listening, CONNECT gets ERROR "Broker not available." and the close', async () => {
    const node = await startRelayNode({ port: await freePort(), reconnect: { minDelay: 50 } }, {}, false);
    cleanups.push(() => node.close());
    expect(await node.relay.whenAvailable(300)).toBe(false);
    const refused = await refusedConnect(node);
    expect(refused.message).toBe('Broker not available.');
    await expect(node.stomp.publish(`/topic/${RUN}.x`, 'x')).rejects.toMatchObject({
      summary: 'Broker not available.',
      message: 'no connection to the message broker',
    });
    expect(node.stomp.stats().errors.broker).toBe(1);
    expect(node.logs.join('\n')).toMatch(/ECONNREFUSED/);
  });

  it('bad relay credentials: the broker refuses, and clients get "Broker not available."', async () => {
    const node = await startRelayNode({ clientPasscode: 'wrong', systemPasscode: 'guest' });
    cleanups.push(() => node.close());
    const refused = await refusedConnect(node);
    expect(refused.message).toBe('Broker not available.');
    expect(refused.body).toMatch(/refused the relay's CONNECT/);
  });
});

describe('STOMP relay: losing the broker', () => {
  it("a client whose relay connection drops gets ERROR 'Connection to broker closed.'", async () => {
    const { proxy, node } = await proxied();
    const events: string[] = [];
    node.stomp.on('unsubscribed', ({ cause }) => events.push(`unsubscribed ${cause}`));
    node.stomp.on('disconnected', ({ code }) => events.push(`disconnected ${code}`));
    const alice = await client(node, 'alice');
    await alice.inbox(`/topic/${RUN}.doomed`);
    proxy.cut();
    const error = await alice.error;
    expect(error.headers.message).toBe('Connection to broker closed.');
    await alice.closed;
    expect(node.stomp.sessions()).toEqual([]);
    expect(events).toEqual(['unsubscribed disconnect', 'disconnected 1011']);
    expect(node.stomp.stats().broker.consumers).toBe(0);
  });

  it('closing the relay ends its sessions with the same ERROR', async () => {
    const { node } = await proxied();
    const alice = await client(node, 'alice');
    node.relay.close();
    const error = await alice.error;
    expect([error.headers.message, error.body]).toEqual([
      'Connection to broker closed.',
      'the relay was shut down',
    ]);
    expect(node.relay.available).toBe(false);
  });

  it('a broker that accepts the TCP connection but never answers CONNECT: "Broker not available."', async () => {
    const { proxy, node } = await proxied({ connectTimeout: 300 });
    proxy.silence();
    const started = Date.now();
    const refused = await refusedConnect(node);
    expect(refused).toEqual({
      message: 'Broker not available.',
      body: 'the relay could not connect: no CONNECTED within 300 ms',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('heart-beats flow between relay and broker both ways, and a silent broker is detected', async () => {
    // RabbitMQ counts heart-beats in whole seconds: asked for 100 ms, it answers 1000,1000.
    const { proxy, node } = await proxied({
      heartbeat: { outgoing: 100, incoming: 100 },
      heartbeatTolerance: 2,
    });
    const alice = await client(node, 'alice');
    await settle(2600);
    // Two connections (system and alice's) beat every second each way while nothing else is said.
    expect(proxy.heartbeatsToBroker).toBeGreaterThanOrEqual(4);
    expect(proxy.heartbeatsFromBroker).toBeGreaterThanOrEqual(4);
    expect(alice.client.connected).toBe(true);
    const silencedAt = Date.now();
    proxy.silence();
    const error = await alice.error;
    expect(error.headers.message).toBe('Connection to broker closed.');
    expect(error.body).toMatch(/heart-beat/);
    // Declared dead after 2 × 1000 ms of silence, checked against the last read.
    expect(Date.now() - silencedAt).toBeLessThan(3500);
  });

  it('with only the system connection down, application messages fail with "Broker not available."', async () => {
    const { proxy, node } = await proxied({ reconnect: { minDelay: 10_000 } });
    node.stomp.onMessage('/echo', (ctx) => ctx.body, { sendTo: `/topic/${RUN}.echo` });
    const alice = await client(node, 'alice');
    const own = await alice.inbox(`/topic/${RUN}.own`);
    const lost = new Promise<string>((resolve) =>
      node.relay.onAvailability((up, detail) => up || resolve(detail)),
    );
    proxy.refuse = true;
    proxy.cutOne(0);
    expect(await lost).toMatch(/Connection to broker closed/);
    // Alice's own relay connection still works for broker destinations...
    await alice.publish(`/topic/${RUN}.own`, 'still here');
    expect((await own.atLeast(1))[0]?.body).toBe('still here');
    await expect(node.stomp.sendToUser('alice', '/queue/x', 'x')).rejects.toThrow(
      'no connection to the message broker',
    );
    // ...but a handler's result has no way out.
    alice.client.publish({ destination: '/app/echo', body: 'hello?' });
    const error = await alice.error;
    expect([error.headers.message, error.body]).toEqual([
      'Broker not available.',
      'no connection to the message broker',
    ]);
    expect((await refusedConnect(node)).message).toBe('Broker not available.');
  });
});

describe('STOMP relay: the system connection reconnects with backoff', () => {
  it('retries with growing delays, comes back, and publishing works again', async () => {
    const { proxy, node } = await proxied({
      reconnect: { minDelay: 100, maxDelay: 2000, factor: 2 },
      // The top of every window, so the delays are exactly 99, 199, 399, 799 ms.
      random: () => 0.999,
    });
    const changes: Array<[boolean, number]> = [];
    node.relay.onAvailability((available) => changes.push([available, Date.now()]));
    const before = proxy.arrivals.length;
    proxy.refuse = true;
    const cutAt = Date.now();
    proxy.cut();
    await settle(1700);
    const attempts = proxy.arrivals.slice(before);
    const gaps = [attempts[0] ?? Number.NaN, ...attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0))];
    gaps[0] = (attempts[0] ?? Number.NaN) - cutAt;
    expect(attempts.length).toBe(4);
    for (const [i, expected] of [99, 199, 399, 799].entries()) {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 5);
      expect(gaps[i]).toBeLessThan(expected + 150);
    }
    expect(node.relay.available).toBe(false);
    proxy.refuse = false;
    const back = await node.relay.whenAvailable(3000);
    expect(back).toBe(true);
    expect(changes.map(([available]) => available)).toEqual([false, true]);
    // The next delay was 1599 ms, then the attempt after it succeeded.
    expect((changes[1]?.[1] ?? 0) - cutAt).toBeLessThan(99 + 199 + 399 + 799 + 1599 + 500);
    const alice = await client(node, 'alice');
    const inbox = await alice.inbox(`/topic/${RUN}.back`);
    await node.stomp.publish(`/topic/${RUN}.back`, 'we are back');
    expect((await inbox.atLeast(1))[0]?.body).toBe('we are back');
  });
});
