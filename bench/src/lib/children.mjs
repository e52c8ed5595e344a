/*
 * Target servers as child processes pinned to their own core. Every child is killed when the harness exits,
 * however it exits, and each child also exits when its IPC channel to us closes, so none outlives a run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedis } from './redis-server.mjs';

/** @type {Set<import('node:child_process').ChildProcess>} */
const live = new Set();

function killAll() {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
process.on('exit', killAll);

const SERVE = fileURLToPath(new URL('../targets/serve.mjs', import.meta.url));

/**
 * @typedef {object} Target
 * @property {number} pid
 * @property {number} port
 * @property {(type: string, body?: object) => Promise<any>} request an IPC request, answered by serve.mjs
 * @property {() => Promise<void>} stop graceful (SIGTERM, so a --cpu-prof profile is written), then SIGKILL
 */

/**
 * Start `targets/serve.mjs <server> <options>` under `taskset -c <core>`.
 * @param {string} server module name under targets/servers
 * @param {{ core?: string, nodeFlags?: string[], options?: object, startupMs?: number }} [opts]
 * @returns {Promise<Target>}
 */
export function startTarget(server, opts = {}) {
  const { core = '1', nodeFlags = [], options = {}, startupMs = 15_000 } = opts;
  // taskset execs node in place, so the pid we get is the server's own (for /proc/<pid>/stat).
  const child = spawn(
    'taskset',
    ['-c', core, process.execPath, '--expose-gc', ...nodeFlags, SERVE, server, JSON.stringify(options)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  live.add(child);
  let nextId = 1;
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  const pending = new Map();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', (code, signal) => {
    live.delete(child);
    for (const p of pending.values()) p.reject(new Error(`target ${server} exited (${code ?? signal})`));
    pending.clear();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`target ${server} did not start within ${startupMs} ms`));
    }, startupMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`target ${server} exited during startup (${code ?? signal})`));
    });
    child.on('message', (/** @type {any} */ msg) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve({
          pid: /** @type {number} */ (child.pid),
          port: msg.port,
          request(type, body = {}) {
            const id = nextId++;
            child.send({ ...body, type, id });
            return new Promise((res, rej) => pending.set(id, { resolve: res, reject: rej }));
          },
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const timeout = new Promise((r) => setTimeout(r, 5000, 'timeout'));
            if ((await Promise.race([exited, timeout])) === 'timeout') {
              child.kill('SIGKILL');
              await exited;
            }
          },
        });
        return;
      }
      const p = pending.get(msg.id);
      if (p === undefined) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error));
      else p.resolve(msg);
    });
  });
}

/**
 * The server of a target definition: its own `start` (an outside service such as RabbitMQ) or a child process.
 * @param {{ server: string, options?: object, start?: (nodeFlags?: string[]) => Promise<Server> }} def
 * @param {string[]} [nodeFlags]
 * @returns {Promise<Server>}
 *
 * @typedef {{ port: number, pids: number[], brokerPids?: number[], stop(): Promise<void>, request?: Target['request'] }} Server
 */
export async function startServer(def, nodeFlags) {
  if (def.start !== undefined) return def.start(nodeFlags);
  const target = await startTarget(def.server, { nodeFlags, options: def.options }).catch(async (error) => {
    // Other engineers rebuild the workspace while we run: a dist caught mid-build fails to load. Once more.
    process.stderr.write(`  ${def.server}: ${error.message}; retrying in 5 s\n`);
    await new Promise((r) => setTimeout(r, 5000));
    return startTarget(def.server, { nodeFlags, options: def.options });
  });
  return { port: target.port, pids: [target.pid], stop: () => target.stop(), request: target.request };
}

/**
 * A server module on a Redis of our own (lib/redis-server.mjs), both pinned to `core`: the module gets the
 * Redis URL as `options.redis`. Redis's pid is reported apart (`brokerPids`), so a workload can give the
 * node's CPU and Redis's side by side.
 * @param {string} server
 * @param {object} options
 * @param {string[]} [nodeFlags]
 * @returns {Promise<Server>}
 */
export async function startWithRedis(server, options, nodeFlags) {
  const redis = await startRedis('1');
  try {
    const target = await startTarget(server, { nodeFlags, options: { ...options, redis: redis.url } });
    return {
      port: target.port,
      pids: [target.pid],
      brokerPids: [redis.pid],
      request: target.request,
      async stop() {
        await target.stop();
        await redis.stop();
      },
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}
