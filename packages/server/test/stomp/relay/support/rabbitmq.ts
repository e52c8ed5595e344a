import { execFile } from 'node:child_process';
import net from 'node:net';

/** RabbitMQ's STOMP adapter (the shared one on this machine, unless SOCKWIRE_RABBITMQ_STOMP says otherwise). */
const [envHost, envPort] = (process.env.SOCKWIRE_RABBITMQ_STOMP ?? '127.0.0.1:61613').split(/:(?=\d+$)/);
export const RABBITMQ = { host: envHost ?? '127.0.0.1', port: Number(envPort ?? 61613) };

/** Destinations and queues of this run carry it, so runs never see each other's messages. */
export const RUN = `sw${process.pid}t${Date.now().toString(36)}`;

/** Fails (never skips) with how to get RabbitMQ's STOMP adapter going. */
export async function requireRabbitMq(): Promise<void> {
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = net.connect(RABBITMQ.port, RABBITMQ.host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
  if (reachable) return;
  throw new Error(
    `RabbitMQ's STOMP adapter is not reachable on ${RABBITMQ.host}:${RABBITMQ.port}. Start RabbitMQ ` +
      '(`rabbitmq-server -detached`, then `rabbitmqctl await_startup`) and enable STOMP as root ' +
      '(`rabbitmq-plugins enable rabbitmq_stomp rabbitmq_web_stomp`, which works on the running node). ' +
      'Another address: SOCKWIRE_RABBITMQ_STOMP=host:port.',
  );
}

function rabbitmqctl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('rabbitmqctl', [...args], { timeout: 60_000 }, (error, _stdout, stderr) =>
      error === null
        ? resolve()
        : reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || error.message}`)),
    ),
  );
}

/** Delete the durable queues a test's `/queue/...` destinations created (RabbitMQ keeps them otherwise). */
export async function deleteQueues(names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => rabbitmqctl(['delete_queue', name]).catch(() => {})));
}
