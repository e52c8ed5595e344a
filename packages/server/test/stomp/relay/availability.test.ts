import net from 'node:net';
import { ManualClock } from '@sockwire/test-support/manual-clock';
import { waitFor } from '@sockwire/test-support/wait';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type TestClient } from './support/clients.js';
import { type RelayNode, startRelayNode } from './support/node.js';
import { RABBITMQ, RUN, requireRabbitMq } from './support/rabbitmq.js';
import { RecordingClock } from './support/recording-clock.js';
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
    await waitFor(() => node.logs.some((line) => line.includes('ECONNREFUSED')), 'a refused attempt');
    // Nothing listens on that port, so there is no event to wait for: a short bounded wait that must end
    // with the relay still down (a negative check).
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
    // The relay's time stands still until the test moves it: only its CONNECT timeout can end the attempt.
    const manual = new ManualClock();
    const clock = new RecordingClock(manual);
    const { proxy, node } = await proxied({
      connectTimeout: 300,
      clock,
      // Heart-beats would not be sent on a clock that stands still, and RabbitMQ would hang up on us.
      heartbeat: { outgoing: 0, incoming: 0 },
    });
    proxy.silence();
    const armedBefore = clock.timers.length;
    const refusal = refusedConnect(node);
    const connectTimeout = () =>
      clock.timers.slice(armedBefore).find((timer) => timer.ms === 300 && timer.state === 'pending');
    await waitFor(() => connectTimeout() !== undefined, "the session's relay connection to arm its timeout");
    manual.advance(300);
    expect(connectTimeout()).toBeUndefined();
    expect(await refusal).toEqual({
      message: 'Broker not available.',
      body: 'the relay could not connect: no CONNECTED within 300 ms',
    });
  });

  it('heart-beats flow between relay and broker both ways, and a silent broker is detected', async () => {
    // RabbitMQ counts heart-beats in whole seconds: asked for 100 ms, it answers 1000,1000.
    const clock = new RecordingClock();
    const { proxy, node } = await proxied({
      heartbeat: { outgoing: 100, incoming: 100 },
      heartbeatTolerance: 2,
      clock,
    });
    const alice = await client(node, 'alice');
    // Two connections (system and alice's) beat every second each way while nothing else is said.
    await waitFor(
      () => proxy.heartbeatsToBroker >= 4 && proxy.heartbeatsFromBroker >= 4,
      () =>
        `4 heart-beats each way (to the broker ${proxy.heartbeatsToBroker}, from it ${proxy.heartbeatsFromBroker})`,
      10_000,
    );
    expect(alice.client.connected).toBe(true);
    proxy.silence();
    const error = await alice.error;
    expect(error.headers.message).toBe('Connection to broker closed.');
    expect(error.body).toMatch(/nothing was received for 2 heart-beat intervals/);
    // Declared dead after 2 × 1000 ms of silence: the read watchdog is armed for the negotiated interval times
    // the tolerance, and re-armed from the last read for less. (The relay's other timers are the 5 s wait of
    // startRelayNode and 10 s CONNECT timeouts.)
    const heartbeatTimers = clock.timers.filter((timer) => timer.ms < 5000).map((timer) => timer.ms);
    expect(Math.max(...heartbeatTimers)).toBe(2000);
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
    // The relay's time only moves when the test says: each backoff delay is read off its timer, not timed.
    const manual = new ManualClock();
    const clock = new RecordingClock(manual);
    const { proxy, node } = await proxied({
      reconnect: { minDelay: 100, maxDelay: 2000, factor: 2 },
      // Near the top of every window: the delays are ⌊0.999 × 100·2ⁿ⌋ = 99, 199, 399, 799, 1598 ms.
      random: () => 0.999,
      clock,
      // Heart-beats would not be sent on a clock that stands still, and RabbitMQ would hang up on us.
      heartbeat: { outgoing: 0, incoming: 0 },
    });
    const changes: Array<[boolean, number]> = [];
    node.relay.onAvailability((available) => changes.push([available, manual.now()]));
    const waits = () => node.logs.filter((line) => line.includes('reconnecting in')).length;
    const waitsBefore = waits();
    const before = proxy.arrivals.length;
    const cutAt = manual.now();
    proxy.refuse = true;
    proxy.cut();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      // The loss, then each refused attempt, leaves the system connection waiting out one backoff timer.
      await waitFor(() => waits() === waitsBefore + attempt, `backoff wait #${attempt}`);
      const pending = clock.pendingDelays();
      delays.push(...pending);
      // No attempt while the relay's time stands still.
      expect(proxy.arrivals.length).toBe(before + attempt - 1);
      manual.advance(Math.max(0, ...pending));
      await waitFor(() => proxy.arrivals.length === before + attempt, `reconnect attempt #${attempt}`);
    }
    expect(delays).toEqual([99, 199, 399, 799]);
    expect(node.relay.available).toBe(false);
    await waitFor(() => waits() === waitsBefore + 5, 'backoff wait #5');
    expect(clock.pendingDelays()).toEqual([1598]);
    proxy.refuse = false;
    manual.advance(1598);
    await waitFor(() => node.relay.available, 'the system connection to come back');
    // Lost at the cut; back when the fifth attempt, after 1598 ms more, succeeded.
    expect(changes).toEqual([
      [false, cutAt],
      [true, cutAt + 99 + 199 + 399 + 799 + 1598],
    ]);
    expect(proxy.arrivals.length).toBe(before + 5);
    const alice = await client(node, 'alice');
    const inbox = await alice.inbox(`/topic/${RUN}.back`);
    await node.stomp.publish(`/topic/${RUN}.back`, 'we are back');
    expect((await inbox.atLeast(1))[0]?.body).toBe('we are back');
  });
});
