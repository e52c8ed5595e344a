import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Balancer, startHaproxy } from '../../packages/server/test/cluster/haproxy.js';
import { type RedisServer, startRedisServer } from '../../packages/server/test/support/redis-server.js';

/*
 * The demo chat as a cluster, for chat-cluster.spec.ts: a private redis-server, three demo server processes in
 * cluster mode (`--broker redis://... --node-id nodeN`, each on a free port) and a real HAProxy doing plain
 * round robin in front (the server package's own test helpers), so a node can be SIGKILLed like a crashed host.
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
  const result = spawnSync(
    process.execPath,
    [join(demoDir, 'scripts', 'build.mjs'), '--server-out', join(dir, 'main.js')],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(
      `the demo server did not build (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return dir;
}

export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly process: ChildProcess;
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

function startNode(serverDir: string, staticDir: string, redisUrl: string, id: string): Promise<ClusterNode> {
  const child = spawn(
    process.execPath,
    [join(serverDir, 'main.js'), '--port', '0', '--static', staticDir, '--broker', redisUrl, '--node-id', id],
    { cwd: demoDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at http:\/\/[^:]+:(\d+)\//.exec(output);
      if (match?.[1] !== undefined) {
        child.stdout?.off('data', onData);
        resolve({ id, port: Number(match[1]), process: child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => reject(new Error(`${id} exited (${signal ?? code}):\n${output}`)));
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill(signal);
  });
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
    await Promise.all(nodes.map((node) => stopProcess(node.process, 'SIGTERM')));
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
      await stopProcess(node.process, 'SIGKILL');
    },
    close,
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
