import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Balancer, startHaproxy } from '@sockwire/test-support/haproxy';
import { type Started, startProcess } from '@sockwire/test-support/processes';
import { type RedisServer, startRedisServer } from '@sockwire/test-support/redis-server';
import { buildDemo } from './chat-support.js';

/*
 * The demo chat as a cluster, for chat-cluster.spec.ts: a private redis-server, three demo server processes in
 * cluster mode (`--broker redis://... --node-id nodeN`, each on a free port) and a real HAProxy doing plain
 * round robin in front (@sockwire/test-support's helpers), so a node can be SIGKILLed like a crashed host.
 */

const demoDir = fileURLToPath(new URL('../../demo/', import.meta.url));
/** The key prefix the demo's chat store uses by default (demo/server/chat-server.ts). */
const CHAT_KEYS = 'sockwire-demo:chat:';

/**
 * Bundles the demo server with the demo's own build script (esbuild); returns the folder holding main.js. The
 * folder is under demo/dist, since the bundle imports ws and ioredis from demo/node_modules.
 */
export function buildServer(): string {
  mkdirSync(join(demoDir, 'dist'), { recursive: true });
  const dir = mkdtempSync(join(demoDir, 'dist', 'cluster-test-'));
  buildDemo(['--server-out', join(dir, 'main.js')], 'the demo server');
  return dir;
}

export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly process: Started;
}

export interface DemoCluster {
  /** The balancer: `http://127.0.0.1:port/` */
  readonly url: string;
  readonly redis: RedisServer;
  readonly nodes: readonly ClusterNode[];
  /** The node ids holding `user`'s open sessions, from the chat store in Redis. */
  sessionsOf(user: string): string[];
  /** SIGKILLs a node (no goodbye to Redis or to its clients) and waits for the process to be gone. */
  kill(id: string): Promise<void>;
  close(): Promise<void>;
}

async function startNode(
  serverDir: string,
  staticDir: string,
  redisUrl: string,
  id: string,
): Promise<ClusterNode> {
  const started = await startProcess(
    process.execPath,
    [join(serverDir, 'main.js'), '--port', '0', '--static', staticDir, '--broker', redisUrl, '--node-id', id],
    /running at http:\/\/[^:]+:(\d+)\//,
    { cwd: demoDir },
  );
  return { id, port: Number(started.match[1]), process: started };
}

export async function startDemoCluster(
  serverDir: string,
  staticDir: string,
  count = 3,
): Promise<DemoCluster> {
  const redis = await startRedisServer();
  const nodes: ClusterNode[] = [];
  let balancer: Balancer | undefined;
  const close = async () => {
    await balancer?.stop();
    await Promise.all(nodes.map((node) => node.process.stop('SIGTERM')));
    await redis.stop();
  };
  try {
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: count }, (_, i) => startNode(serverDir, staticDir, redis.url, `node${i + 1}`)),
      )),
    );
    balancer = await startHaproxy(nodes.map((node) => node.port));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: `${balancer.url}/`,
    redis,
    nodes,
    sessionsOf(user) {
      const fields = execFileSync(
        'redis-cli',
        ['-p', String(redis.port), 'HKEYS', `${CHAT_KEYS}sessions:${user.toLowerCase()}`],
        { encoding: 'utf8' },
      );
      return fields
        .split('\n')
        .filter((field) => field.includes('|'))
        .map((field) => field.slice(0, field.indexOf('|')));
    },
    async kill(id) {
      const node = nodes.find((candidate) => candidate.id === id);
      if (node === undefined) throw new Error(`no node ${id}`);
      await node.process.stop('SIGKILL');
    },
    close,
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
