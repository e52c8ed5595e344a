/*
 * RabbitMQ Web-STOMP as a W6 target. It is the machine's shared service, not our child: we find its Erlang VM,
 * pin it to the server core for the phase (one node on one core, like our broker) and put its affinity back
 * afterwards, also if the harness exits early.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';

export const WEB_STOMP_PORT = 15674;

/** @returns {number | null} the pid of RabbitMQ's Erlang VM */
function beamPid() {
  try {
    const out = execFileSync('pgrep', ['-x', 'beam.smp'], { encoding: 'utf8' }).trim().split('\n');
    return out.length === 1 && out[0] ? Number(out[0]) : null;
  } catch {
    return null;
  }
}

/** @returns {Promise<boolean>} */
function reachable() {
  return new Promise((resolve) => {
    const socket = net.connect({ port: WEB_STOMP_PORT, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * @param {string} core
 * @returns {Promise<{ port: number, pids: number[], stop(): Promise<void> }>}
 */
export async function startRabbit(core) {
  const pid = beamPid();
  if (pid === null || !(await reachable())) {
    throw new Error(
      `RabbitMQ Web-STOMP is not listening on 127.0.0.1:${WEB_STOMP_PORT}: start RabbitMQ (rabbitmq-server -detached) ` +
        'and run `rabbitmq-plugins enable rabbitmq_stomp rabbitmq_web_stomp` as root',
    );
  }
  const mask =
    execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(': ')
      .pop() ?? 'ff';
  const restore = () => {
    try {
      execFileSync('taskset', ['-a', '-p', mask, String(pid)], { stdio: 'ignore' });
    } catch {
      // The VM may have gone: nothing to restore.
    }
  };
  process.on('exit', restore);
  execFileSync('taskset', ['-a', '-cp', core, String(pid)], { stdio: 'ignore' });
  return {
    port: WEB_STOMP_PORT,
    pids: [pid],
    async stop() {
      restore();
      process.off('exit', restore);
      // Give the VM a moment to drop the closed sessions' queues before the next phase.
      await new Promise((r) => setTimeout(r, 500));
    },
  };
}
