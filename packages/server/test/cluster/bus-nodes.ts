import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { createRedisSessionBus, type RedisSessionBus } from '../../src/cluster/redis-bus.js';
import { type Connection, createServer, type ServerOptions, type SockwireServer } from '../../src/index.js';

/**
 * Echo nodes sharing HTTP sessions over a real Redis session bus, for the tests that attack the bus: each
 * node's bus, its error log, and raw Redis connections to publish and listen as an outsider would.
 */
export interface BusNode {
  readonly id: string;
  readonly server: SockwireServer;
  readonly bus: RedisSessionBus;
  readonly http: Server;
  readonly base: string;
  /** Lines the bus and the server logged as errors. */
  readonly errors: string[];
  /** Sessions the application was told about. */
  readonly opened: Connection[];
}

export interface BusCluster {
  readonly nodes: BusNode[];
  readonly prefix: string;
  /** A plain Redis connection: what anyone able to reach the server has. */
  readonly outsider: Redis;
  channel(node: string): string;
  /** Every message published on `channel` from now on, as text. */
  listen(channel: string): Promise<string[]>;
  close(): Promise<void>;
}

let clusters = 0;

export async function startBusCluster(
  url: string,
  options: { count?: number; secret?: string; server?: ServerOptions } = {},
): Promise<BusCluster> {
  const prefix = `bus${process.pid}-${++clusters}:`;
  const nodes: BusNode[] = [];
  for (let i = 0; i < (options.count ?? 2); i++) {
    const id = `node${i}`;
    const errors: string[] = [];
    const opened: Connection[] = [];
    const log = (severity: string, message: string) => {
      if (severity === 'error') errors.push(message);
    };
    const bus = await createRedisSessionBus({
      url,
      keyPrefix: prefix,
      nodeId: id,
      livenessTtl: 1500,
      log,
      ...(options.secret === undefined ? {} : { secret: options.secret }),
    });
    const server = createServer({
      prefix: '/echo',
      allowedOrigins: '*',
      ...options.server,
      cluster: bus,
      log,
    });
    server.on('connection', (connection) => {
      opened.push(connection);
      connection.on('data', (message) => connection.write(message));
    });
    await server.ready;
    const http = createHttpServer();
    server.installHandlers(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/echo`;
    nodes.push({ id, server, bus, http, base, errors, opened });
  }
  const outsider = new Redis(url);
  const listeners: Redis[] = [];
  return {
    nodes,
    prefix,
    outsider,
    channel: (node) => `${prefix}node:${node}`,
    listen: async (channel) => {
      const listener = new Redis(url);
      listeners.push(listener);
      const seen: string[] = [];
      listener.on('message', (from: string, text: string) => {
        if (from === channel) seen.push(text);
      });
      await listener.subscribe(channel);
      return seen;
    },
    close: async () => {
      for (const node of nodes) {
        node.server.close();
        node.http.closeAllConnections();
        await new Promise<void>((resolve) => node.http.close(() => resolve()));
      }
      for (const client of [outsider, ...listeners]) client.disconnect();
    },
  };
}

/** The bus clusters of a test file: one per test at most, closed after it. */
export interface BusClusters {
  start(options?: Parameters<typeof startBusCluster>[1]): Promise<BusCluster>;
  /** The cluster this test started. */
  readonly current: BusCluster;
  /** A session path no other test of the file used: `/000/<name>-<time>-<n>`. */
  sid(): string;
}

/** Bus clusters on the Redis at `redis.url` for the tests of the file that calls this; registers their afterEach. */
export function useBusClusters(redis: { readonly url: string }, name: string): BusClusters {
  let current: BusCluster | undefined;
  let sessions = 0;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    start: async (options) => {
      current = await startBusCluster(redis.url, options);
      return current;
    },
    get current() {
      if (current === undefined) throw new Error('no cluster: this test started none');
      return current;
    },
    sid: () => `/000/${name}-${Date.now()}-${++sessions}`,
  };
}
