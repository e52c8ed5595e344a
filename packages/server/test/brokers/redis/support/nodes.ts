import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Delivery } from '../../../../src/brokers/broker.js';
import {
  createRedisBroker,
  type RedisBroker,
  type RedisBrokerOptions,
} from '../../../../src/brokers/redis/index.js';

/** Consumer that records what it gets; `waitFor` resolves once it holds `count` deliveries. */
export function recorder() {
  const got: Delivery[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    got,
    deliver(delivery: Delivery) {
      got.push(delivery);
      for (const waiter of waiters.splice(0)) {
        if (got.length >= waiter.count) waiter.resolve();
        else waiters.push(waiter);
      }
    },
    bodies: () => got.map((delivery) => delivery.message.body),
    waitFor(count: number, timeout = 5000): Promise<void> {
      if (got.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`waited for ${count} deliveries, got ${got.length}`)),
          timeout,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Brokers acting as nodes of one cluster, all closed by `closeAll`. */
export function cluster(url: string, keyPrefix: string) {
  const nodes: RedisBroker[] = [];
  return {
    async node(options: RedisBrokerOptions = {}): Promise<RedisBroker> {
      const broker = await createRedisBroker({ url, keyPrefix, ...options });
      nodes.push(broker);
      return broker;
    },
    closeAll: () => Promise.all(nodes.map((broker) => broker.close())),
  };
}

/**
 * A TCP relay in front of Redis. `cut()` drops every connection and refuses new ones: to the node behind it,
 * Redis is gone for good (a partition, or, as the other nodes see it, a crash), while the process lives on.
 */
export async function relay(redisPort: number): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(redisPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
