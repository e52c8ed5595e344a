import { SockwireSocket } from '@sockwire/client';
import { ReconnectingSocket } from '@sockwire/client/reconnect';
import { type Balancer, startHaproxy } from '@sockwire/test-support/haproxy';
// WebSocket and EventSource for our client in Node, as the client's own tests inject them.
import { nodeEnv } from '@sockwire/test-support/node-env';
import { type RedisServer, startRedisServer } from '@sockwire/test-support/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SockJS } from '../support/sockjs-client.js';
import { type NodeProcess, startNodeProcess } from './node-processes.js';

/**
 * Three node processes behind a real HAProxy doing plain round robin (every request balanced on its own, no
 * stickiness), sharing sessions through a real Redis. Whatever transport a client uses, consecutive requests
 * of its session land on different nodes; the session must still work.
 */

const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;

let redis: RedisServer;
let balancer: Balancer;
const nodes = new Map<string, NodeProcess>();

beforeAll(async () => {
  redis = await startRedisServer();
  for (const node of await Promise.all(
    ['a', 'b', 'c'].map((id) => startNodeProcess('echo-node', id, ['--redis', redis.url])),
  ))
    nodes.set(node.id, node);
  balancer = await startHaproxy([...nodes.values()].map((node) => node.port));
}, 30_000);

afterAll(async () => {
  await balancer?.stop();
  await Promise.all([...nodes.values()].map((node) => node.kill()));
  await redis?.stop();
});

/** Echo `count` messages in order through a WebSocket-like object. */
async function echo(socket: { send(data: string): void }, next: () => Promise<string>, count: number) {
  const sent = Array.from({ length: count }, (_, i) => `m${i} héllo ✓ \u2028`);
  for (const message of sent) socket.send(message);
  const received: string[] = [];
  for (let i = 0; i < count; i++) received.push(await next());
  expect(received).toEqual(sent);
}

function inbox() {
  const queue: string[] = [];
  const waiters: Array<(m: string) => void> = [];
  return {
    push(message: string) {
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    },
    next: () =>
      new Promise<string>((resolve) => {
        const message = queue.shift();
        if (message !== undefined) resolve(message);
        else waiters.push(resolve);
      }),
  };
}

describe.each(TRANSPORTS)('through round-robin HAProxy over %s', (transport) => {
  it('sockjs-client keeps one session across nodes', async () => {
    const box = inbox();
    const socket = new SockJS(`${balancer.url}/echo`, null, { transports: [transport] });
    socket.onmessage = (event) => box.push(event.data);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onclose = (event) => reject(new Error(`closed: ${event.code} ${event.reason}`));
    });
    expect(socket.transport).toBe(transport);
    await echo(socket, box.next, 200);
    socket.close();
  });

  it('our client keeps one session across nodes', async () => {
    const box = inbox();
    const socket = new SockwireSocket(`${balancer.url}/echo`, {
      transports: [transport],
      ...nodeEnv,
    });
    socket.onmessage = (event) => box.push(event.data as string);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onclose = (event) => reject(new Error(`closed: ${event.code} ${event.reason}`));
    });
    expect(socket.transport).toBe(transport);
    await echo(socket, box.next, 200);
    socket.close();
  });
});

describe('losing a node', () => {
  it('the clients whose sessions it held reconnect through the balancer to the others', async () => {
    const box = inbox();
    const socket = new ReconnectingSocket(`${balancer.url}/echo`, {
      transports: ['xhr-polling'],
      ...nodeEnv,
      minDelay: 100,
      maxDelay: 500,
    });
    socket.onmessage = (event) => box.push(event.data as string);
    await new Promise<void>((resolve) => {
      socket.onopen = () => resolve();
    });
    socket.send('who');
    const owner = await box.next();
    expect(['a', 'b', 'c']).toContain(owner);
    const reconnected = new Promise<number>((resolve) => {
      const killedAt = Date.now();
      socket.addEventListener('reconnected', () => resolve(Date.now() - killedAt));
      void nodes.get(owner)?.kill();
    });
    const elapsed = await reconnected;
    console.log(`xhr-polling client back after losing node ${owner}: ${elapsed} ms`);
    socket.send('who');
    const survivor = await box.next();
    expect(survivor).not.toBe(owner);
    await echo(socket, box.next, 20);
    socket.close();
  }, 30_000);
});
