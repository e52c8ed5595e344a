import { createStompClient, type SockwireStompClient, type StompGap } from '@sockwire/client/stomp';
import { type Balancer, startHaproxy } from '@sockwire/test-support/haproxy';
import { nodeEnv } from '@sockwire/test-support/node-env';
import { freePort } from '@sockwire/test-support/ports';
import { type RedisServer, startRedisServer } from '@sockwire/test-support/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../stomp/relay/support/tcp-proxy.js';
import { type NodeProcess, startNodeProcess } from './node-processes.js';

/*
 * Chaos, bounded: three node processes on one Redis behind a real round-robin HAProxy (no stickiness), every
 * client behind a TCP proxy that cuts all connections again and again, and one node SIGKILLed mid-run and
 * started again. Subscribers on all four transports, publishers using the SDK's confirmed send(). Nothing may be
 * lost, nothing duplicated, and each publisher's messages must arrive in order, with no gap reported.
 */
const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
const PUBLISHERS = 3;
const PER_PUBLISHER = 120;
const SEND_EVERY_MS = 50;
const CUT_EVERY_MS = 1500;

let redis: RedisServer;
let balancer: Balancer;
let proxy: TcpProxy;
const nodes = new Map<string, NodeProcess>();
const clients: SockwireStompClient[] = [];

/** Node `id` on `port`: a node started again after a kill comes back where the balancer expects it. */
async function startNode(id: string, port: number): Promise<void> {
  nodes.set(id, await startNodeProcess('stomp-node', id, ['--redis', redis.url, '--port', String(port)]));
}

beforeAll(async () => {
  redis = await startRedisServer();
  const ports = await Promise.all(['a', 'b', 'c'].map(() => freePort()));
  await Promise.all(['a', 'b', 'c'].map((id, i) => startNode(id, ports[i] as number)));
  balancer = await startHaproxy(ports);
  const { port } = new URL(balancer.url);
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(port) });
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.deactivate()));
  await proxy?.close();
  await balancer?.stop();
  await Promise.all([...nodes.values()].map((node) => node.kill()));
  nodes.clear();
  await redis?.stop();
});

/** A reconnecting SDK client through the cutting proxy; resolves once first connected. */
async function connect(name: string, transport: (typeof TRANSPORTS)[number], gaps: StompGap[]) {
  const client = createStompClient(`http://127.0.0.1:${proxy.port}/stomp`, {
    socket: { ...nodeEnv, transports: [transport] },
    connectHeaders: { login: name },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    minDelay: 50,
    maxDelay: 400,
    onGap: (gap) => gaps.push(gap),
  });
  clients.push(client);
  await new Promise<void>((resolve) => {
    client.onConnect = () => resolve();
    client.activate();
  });
  return client;
}

describe('chaos: cuts every 1.5 s and a node killed, on three nodes behind HAProxy', () => {
  it('loses nothing, duplicates nothing and keeps each publisher’s order, on every transport', async () => {
    const room = `/topic/chaos-${Date.now()}`;
    const gaps: StompGap[] = [];
    const subscribers = await Promise.all(
      [...TRANSPORTS, ...TRANSPORTS].map(async (transport, i) => {
        const client = await connect(`sub${i}`, transport, gaps);
        const bodies: string[] = [];
        const subscribed = new Promise<void>((resolve) =>
          client.watchForReceipt(`ready-${i}`, () => resolve()),
        );
        client.subscribe(room, (message) => bodies.push(message.body), { receipt: `ready-${i}` });
        await subscribed;
        return { transport, bodies };
      }),
    );
    const publishers = await Promise.all(
      Array.from({ length: PUBLISHERS }, (_, p) =>
        connect(`pub${p}`, TRANSPORTS[p % TRANSPORTS.length] as (typeof TRANSPORTS)[number], gaps),
      ),
    );

    const cutter = setInterval(() => proxy.cut(), CUT_EVERY_MS);
    const sends: Promise<void>[] = [];
    let killed = false;
    try {
      for (let n = 0; n < PER_PUBLISHER; n++) {
        for (const [p, publisher] of publishers.entries()) sends.push(publisher.send(room, `${p}:${n}`));
        if (n === Math.floor(PER_PUBLISHER / 3)) {
          await nodes.get('b')?.kill();
          killed = true;
        }
        if (n === Math.floor(PER_PUBLISHER / 2)) {
          const node = nodes.get('b');
          if (node !== undefined) await startNode('b', node.port);
        }
        await new Promise((resolve) => setTimeout(resolve, SEND_EVERY_MS));
      }
      await Promise.all(sends);
    } finally {
      clearInterval(cutter);
    }
    expect(killed).toBe(true);
    // The cuts were real: every client connected again and again.
    expect(proxy.arrivals.length).toBeGreaterThan(4 * (subscribers.length + publishers.length));

    const expected = PUBLISHERS * PER_PUBLISHER;
    const deadline = Date.now() + 20_000;
    while (subscribers.some((s) => s.bodies.length < expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const { transport, bodies } of subscribers) {
      for (let p = 0; p < PUBLISHERS; p++) {
        const own = bodies.filter((body) => body.startsWith(`${p}:`));
        expect({ transport, publisher: p, own }).toEqual({
          transport,
          publisher: p,
          own: Array.from({ length: PER_PUBLISHER }, (_, n) => `${p}:${n}`),
        });
      }
      expect(bodies).toHaveLength(expected);
    }
    expect(gaps).toEqual([]);
  }, 60_000);
});
