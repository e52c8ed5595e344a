import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSessionBus } from '../../src/cluster/redis-bus.js';
import {
  type CloseInfo,
  type Connection,
  createServer,
  LocalSessionHub,
  type SessionBus,
  type SockwireServer,
} from '../../src/index.js';
import { CALLBACK, GET, POST, pending, stream } from '../sockjs/helpers.js';

/**
 * Three nodes in one process sharing sessions, through the in-process hub and through a real (private)
 * Redis. Each test plays the round-robin balancer by sending each request to a different node.
 */
interface Node {
  readonly server: SockwireServer;
  readonly http: Server;
  readonly base: string;
}

let nodes: Node[] = [];
const redis = useRedisServer();
let prefixCounter = 0;

/** One cluster flavour: buses for its nodes, a way to kill one, and a view of the registry. */
interface Flavour {
  buses(count: number): Promise<SessionBus[]>;
  kill(node: string): Promise<void>;
  registered(): Promise<number>;
}

const local = (): Flavour => {
  const hub = new LocalSessionHub();
  return {
    buses: async (count) => Array.from({ length: count }, (_, i) => hub.bus(`node${i}`)),
    kill: async (node) => hub.kill(node),
    registered: async () => hub.owners.size,
  };
};

const overRedis = (): Flavour => {
  let keyPrefix = '';
  const made: SessionBus[] = [];
  return {
    buses: async (count) => {
      // A fresh namespace per cluster, as separate deployments would have.
      keyPrefix = `test${process.pid}-${++prefixCounter}:`;
      made.length = 0;
      for (let i = 0; i < count; i++) {
        made.push(
          await createRedisSessionBus({ url: redis.url, keyPrefix, nodeId: `node${i}`, livenessTtl: 300 }),
        );
      }
      return [...made];
    },
    kill: async (node) => {
      // A dead node stops announcing and answering: close its connections without any goodbye.
      const bus = made.find((b) => b.nodeId === node) as SessionBus & { crash(): void };
      bus.crash();
      const { Redis } = await import('ioredis');
      const probe = new Redis(redis.url);
      for (let i = 0; i < 100 && (await probe.exists(`${keyPrefix}alive:${node}`)) === 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      probe.disconnect();
    },
    registered: async () => {
      const { Redis } = await import('ioredis');
      const probe = new Redis(redis.url);
      const keys = await probe.keys(`${keyPrefix}session:*`);
      probe.disconnect();
      return keys.length;
    },
  };
};

let flavour: Flavour;

async function startCluster(count = 3, options: { responseLimit?: number } = {}): Promise<Node[]> {
  nodes = [];
  const buses = await flavour.buses(count);
  for (let i = 0; i < count; i++) {
    const server = createServer({
      prefix: '/echo',
      allowedOrigins: '*',
      cluster: buses[i] as SessionBus,
      disconnectDelay: 500,
      ...options,
    });
    server.on('connection', (connection) => connection.on('data', (message) => connection.write(message)));
    const http = createHttpServer();
    server.installHandlers(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    nodes.push({ server, http, base: `http://127.0.0.1:${(http.address() as AddressInfo).port}/echo` });
  }
  return nodes;
}

afterEach(async () => {
  for (const node of nodes) {
    node.server.close();
    node.http.closeAllConnections();
    await new Promise<void>((resolve) => node.http.close(() => resolve()));
  }
  nodes = [];
});

let counter = 0;
const sid = () => `/000/cluster-${Date.now()}-${++counter}`;
const openConnections = (node: Node) =>
  Object.values(node.server.stats().connections).reduce((sum, n) => sum + (n ?? 0), 0);

describe.each([
  ['in-process hub', local],
  ['Redis', overRedis],
] as const)('a cluster without sticky sessions (%s)', (_name, makeFlavour) => {
  beforeAll(() => {
    flavour = makeFlavour();
  });

  it('serves one xhr-polling session from every node', async () => {
    const [a, b, c] = (await startCluster()) as [Node, Node, Node];
    const s = sid();
    expect((await POST(`${a.base}${s}/xhr`)).body).toBe('o\n');
    expect((await POST(`${b.base}${s}/xhr_send`, '["one"]')).status).toBe(204);
    expect((await POST(`${c.base}${s}/xhr_send`, '["two"]')).status).toBe(204);
    expect((await POST(`${b.base}${s}/xhr`)).body).toBe('a["one","two"]\n');
    expect((await POST(`${c.base}${s}/xhr_send`, '["three"]')).status).toBe(204);
    expect((await POST(`${c.base}${s}/xhr`)).body).toBe('a["three"]\n');
    // The session exists once, on the node that saw it first.
    expect(openConnections(a)).toBe(1);
    expect(openConnections(b) + openConnections(c)).toBe(0);
  });

  it('forwards streams, keeps order, and honours the response limit', async () => {
    const [a, b, c] = (await startCluster(3, { responseLimit: 4096 })) as [Node, Node, Node];
    const s = sid();
    expect((await POST(`${a.base}${s}/xhr`)).body).toBe('o\n');
    const forwarded = await stream('POST', `${b.base}${s}/xhr_streaming`);
    expect(await forwarded.read()).toBe('h'.repeat(2048) + '\n');
    const body = '"' + 'x'.repeat(1000) + '"';
    let received = '';
    for (let i = 0; i < 5; i++) {
      expect((await POST(`${[a, c][i % 2]?.base}${s}/xhr_send`, `[${body},"${i}"]`)).status).toBe(204);
      const expected = `a[${body},"${i}"]\n`;
      received = await forwarded.readText(expected.length);
      expect(received).toBe(expected);
    }
    // 5 lines of ~1 KB passed the 4096-byte limit: the forwarded response ended, the session lives on.
    expect(await forwarded.read()).toBeNull();
    const next = await stream('GET', `${c.base}${s}/eventsource`);
    expect(await next.read()).toBe('\r\n');
    await POST(`${b.base}${s}/xhr_send`, '["after"]');
    expect(await next.read()).toBe('data: a["after"]\r\n\r\n');
    next.abort();
  });

  it('forwards jsonp and htmlfile with their callbacks', async () => {
    const [a, b, c] = (await startCluster()) as [Node, Node, Node];
    const s = sid();
    expect((await GET(`${a.base}${s}/jsonp?c=${CALLBACK}`)).body).toBe(`/**/${CALLBACK}("o");\r\n`);
    await POST(`${b.base}${s}/jsonp_send`, 'd=%5B%22x%22%5D', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect((await GET(`${c.base}${s}/jsonp?c=${CALLBACK}`)).body).toBe(`/**/${CALLBACK}("a[\\"x\\"]");\r\n`);
    const page = await stream('GET', `${b.base}${s}/htmlfile?c=${CALLBACK}`);
    expect(await page.read()).toContain(`var c = parent.${CALLBACK};`);
    await POST(`${c.base}${s}/xhr_send`, '["y"]');
    expect(await page.read()).toBe('<script>\np("a[\\"y\\"]");\n</script>\r\n');
    page.abort();
  });

  it('gives a second receiving request 2010 wherever it lands', async () => {
    const [a, b, c] = (await startCluster()) as [Node, Node, Node];
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    const first = await stream('POST', `${b.base}${s}/xhr_streaming`);
    await first.read();
    const second = await stream('POST', `${c.base}${s}/xhr_streaming`);
    await second.read();
    expect(await second.read()).toBe('c[2010,"Another connection still open"]\n');
    first.abort();
  });

  it('turns a client leaving a forwarded stream into 1002 for the application on the owner', async () => {
    const [a, b] = (await startCluster(2)) as [Node, Node];
    const closed = new Promise<CloseInfo>((resolve) =>
      a.server.once('connection', (connection: Connection) => connection.once('close', resolve)),
    );
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    const forwarded = await stream('POST', `${b.base}${s}/xhr_streaming`);
    await forwarded.read();
    forwarded.abort();
    expect(await closed).toEqual({ code: 1002, reason: 'Connection interrupted', wasClean: false });
    expect((await POST(`${b.base}${s}/xhr`)).body).toBe('c[1002,"Connection interrupted"]\n');
  });

  it('refuses sends to unknown sessions on every node', async () => {
    const [, b] = (await startCluster()) as [Node, Node];
    expect((await POST(`${b.base}${sid()}/xhr_send`, '["x"]')).status).toBe(404);
  });

  it('tells clients of a dead node that their session is lost, so that they open a new one', async () => {
    const [a, b, c] = (await startCluster()) as [Node, Node, Node];
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    await flavour.kill('node0');
    expect((await POST(`${b.base}${s}/xhr`)).body).toBe('c[1001,"Session lost with its server"]\n');
    expect((await POST(`${c.base}${s}/xhr_send`, '["x"]')).status).toBe(404);
    const fresh = sid();
    expect((await POST(`${b.base}${fresh}/xhr`)).body).toBe('o\n');
  });

  it('ends requests forwarded to a node as soon as it is found dead, on every node', async () => {
    const [a, b, c] = (await startCluster()) as [Node, Node, Node];
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    // Two forwarded receiving requests on two different nodes, both waiting on node a.
    const onB = pending('POST', `${b.base}${s}/xhr`);
    const t = sid();
    await POST(`${a.base}${t}/xhr`);
    const onC = pending('POST', `${c.base}${t}/xhr`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await flavour.kill('node0');
    const lost = 'c[1001,"Session lost with its server"]\n';
    expect((await onB.done).body).toBe(lost);
    expect((await onC.done).body).toBe(lost);
  });

  it('forgets everything once sessions end', async () => {
    const [a, b] = (await startCluster(2)) as [Node, Node];
    const s = sid();
    await POST(`${a.base}${s}/xhr`);
    await POST(`${b.base}${s}/xhr_send`, '["x"]');
    await POST(`${b.base}${s}/xhr`);
    for (let i = 0; i < 100 && (await flavour.registered()) > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await flavour.registered()).toBe(0);
    expect(a.server.stats().sessionIds).toBe(0);
    expect(a.server.stats().forwardedRequests).toBe(0);
    expect(b.server.stats().forwardedRequests).toBe(0);
  });
});
