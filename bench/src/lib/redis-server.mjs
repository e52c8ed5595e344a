/*
 * A Redis of our own for the Redis-broker targets: `redis-server` on a free loopback port, pinned to the
 * server core beside the Sockwire node (a broker on one core, like the others), no persistence. Not the
 * machine's shared Redis: its keys, its CPU and its pinning stay ours. Killed when the harness exits.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { sleep } from './phase.mjs';

/** @returns {Promise<number>} a port that was free a moment ago */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** @param {number} port */
function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * @param {string} core
 * @returns {Promise<{ url: string, pid: number, stop(): Promise<void> }>}
 */
export async function startRedis(core) {
  const port = await freePort();
  const child = spawn(
    'taskset',
    [
      '-c',
      core,
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: '/tmp' },
  );
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('error', () => {});
  const stop = async () => {
    process.off('exit', kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(3000).then(() => 'timeout')])) === 'timeout') {
      kill();
      await exited;
    }
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await answers(port))
      return { url: `redis://127.0.0.1:${port}`, pid: /** @type {number} */ (child.pid), stop };
    await sleep(50);
  }
  await stop();
  throw new Error('redis-server did not start (is it installed?)');
}
