import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { brokerFromUrl } from '../../../src/cli/broker-url.js';
import { parseServeArgs, type RunningServe, runServe, startServe } from '../../../src/cli/serve.js';
import { resolvedStompOptionsOf } from '../../../src/stomp/stomp-broker.js';
import { connectClient, type TestClient } from './support/clients.js';
import { RABBITMQ, RUN, requireRabbitMq } from './support/rabbitmq.js';

/** `sockwire serve --broker stomp://...`: the RabbitMQ relay from the command line. */
const url = `stomp://guest:guest@${RABBITMQ.host}:${RABBITMQ.port}`;
let running: RunningServe;
const clients: TestClient[] = [];

beforeAll(async () => {
  await requireRabbitMq();
  running = await startServe({ port: 0, host: '127.0.0.1', brokerUrl: url });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await running?.close();
});

describe('sockwire serve --broker stomp://', () => {
  it('parses the flag and refuses schemes it does not know', async () => {
    expect(parseServeArgs(['--port', '0', '--broker', url])).toEqual({ port: 0, brokerUrl: url });
    await expect(brokerFromUrl('amqp://guest:guest@127.0.0.1:5672')).rejects.toThrow(
      /unsupported --broker scheme amqp: \(use redis:\/\/host:port or stomp:\/\/user:pass@host:61613\)/,
    );
  });

  it('relays to RabbitMQ: clients on the served endpoints talk through it', async () => {
    expect(running.brokerDescription).toBe(
      `RabbitMQ STOMP relay stomp://guest@${RABBITMQ.host}:${RABBITMQ.port}`,
    );
    expect(resolvedStompOptionsOf(running.broker).prefixes.broker).toEqual([
      '/topic',
      '/queue',
      '/exchange',
      '/amq/queue',
    ]);
    const target = { sockjsUrl: running.urls.sockjs, websocketUrl: running.urls.websocket };
    const [listener, talker] = await Promise.all([
      connectClient(target, undefined, 'xhr-streaming'),
      connectClient(target, undefined, 'raw-websocket'),
    ]);
    clients.push(listener, talker);
    const inbox = await listener.inbox(`/topic/${RUN}.cli`);
    await talker.publish(`/topic/${RUN}.cli`, 'through sockwire serve');
    expect((await inbox.atLeast(1))[0]?.body).toBe('through sockwire serve');
  });

  it('prints the broker it relays to', async () => {
    const output: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exited = new Promise<number | undefined>((resolve) => {
      vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
        resolve(code);
      }) as typeof process.exit);
    });
    try {
      await runServe(['--port', '0', '--host', '127.0.0.1', '--broker', url]);
      process.emit('SIGTERM', 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      vi.restoreAllMocks();
      write.mockRestore();
      errors.mockRestore();
    }
    expect(output.join('')).toContain(
      `  broker     RabbitMQ STOMP relay stomp://guest@${RABBITMQ.host}:${RABBITMQ.port}\n`,
    );
  });
});
