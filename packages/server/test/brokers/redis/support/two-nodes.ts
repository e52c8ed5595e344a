import { afterAll, beforeAll } from 'vitest';
import type { RedisBrokerOptions } from '../../../../src/brokers/redis/index.js';
import {
  type ChatClient,
  connectClient,
  type StompNode,
  startStompNode,
  type Transport,
} from './stomp-nodes.js';

/** Nodes A and B on one Redis, and the clients that joined them. */
export interface TwoStompNodes {
  readonly a: StompNode;
  readonly b: StompNode;
  /** A client for `user` on `node` over `transport`, closed with the nodes. */
  join(node: StompNode, transport: Transport, user: string): Promise<ChatClient>;
}

/**
 * Two Sockwire nodes sharing the Redis at `redis.url` (read once beforeAll runs), started before the tests of
 * the file or describe block that calls this and closed after them, with their clients; `b` adds options of
 * its own to its Redis broker's.
 */
export function useTwoStompNodes(
  redis: { readonly url: string },
  b: Partial<RedisBrokerOptions> = {},
): TwoStompNodes {
  let nodes: readonly [StompNode, StompNode] | undefined;
  const clients: ChatClient[] = [];
  beforeAll(async () => {
    nodes = await Promise.all([
      startStompNode({ url: redis.url, nodeId: 'A' }),
      startStompNode({ ...b, url: redis.url, nodeId: 'B' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(nodes?.map((node) => node.close()) ?? []);
  });
  const started = (): readonly [StompNode, StompNode] => {
    if (nodes === undefined) throw new Error('the nodes start in beforeAll: use them in tests and hooks');
    return nodes;
  };
  return {
    get a() {
      return started()[0];
    },
    get b() {
      return started()[1];
    },
    join: async (node, transport, user) => {
      const client = await connectClient(node, transport, user);
      clients.push(client);
      return client;
    },
  };
}
