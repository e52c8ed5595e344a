import { killStarted, type Started } from '@sockwire/test-support/processes';
import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { runCli, startCli } from '@sockwire/test-support/serve';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs, SERVE_USAGE } from '../../src/cli/serve.js';
import { CLOSED, type RawClient } from '../stomp/support/raw-client.js';
import { type Target, webSocketTarget } from '../stomp/support/targets.js';
import { header, wire } from '../stomp/support/test-client.js';
import { useInProcessServe } from './in-process-serve.js';

/*
 * `sockwire serve --max-queues --max-queued-bytes --max-total-queued-bytes --queue-idle-ttl`: the queue quotas
 * reach the in-memory broker (the built CLI in a child process: node scripts/build.mjs first) and the Redis
 * broker (in process, startServe as the CLI calls it, two nodes on a private redis-server); a client past one
 * gets an ERROR naming it. With `--broker stomp://` they are refused.
 */

const READY = /SockJS {5}(http:\/\/\S+)\n {2}WebSocket {2}(ws:\/\/\S+)\n/;
const FLAGS = ['--max-queues', '--max-queued-bytes', '--max-total-queued-bytes', '--queue-idle-ttl'];

const targets: Target[] = [];
afterEach(async () => {
  killStarted();
  await Promise.all(targets.splice(0).map((target) => target.close()));
});

function serveCli(args: string[]): Promise<Started> {
  return startCli(['serve', '--port', '0', '--host', '127.0.0.1', ...args], READY);
}

/** A raw STOMP client over the served raw WebSocket, CONNECTed. */
async function connect(websocketUrl: string): Promise<RawClient> {
  const target = webSocketTarget('cli', websocketUrl);
  targets.push(target);
  const client = await target.open();
  client.send(wire('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' }));
  expect(await next(client)).toBe('CONNECTED ');
  return client;
}

/** `COMMAND detail` of the next frame: a RECEIPT's id, an ERROR's message header. */
async function next(client: RawClient): Promise<string> {
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) return String(got);
  return `${got.command} ${got.command === 'ERROR' ? header(got, 'message') : (header(got, 'receipt-id') ?? '')}`;
}

/** SEND with a receipt; resolves with what came back. */
async function send(client: RawClient, destination: string, body = 'm'): Promise<string> {
  client.send(wire('SEND', { destination, receipt: destination }, body));
  return next(client);
}

describe('sockwire serve queue quota flags', () => {
  it('are parsed into queueQuotas, only those given', () => {
    expect(parseServeArgs(['--port', '0']).queueQuotas).toBeUndefined();
    const options = parseServeArgs([
      '--port',
      '0',
      '--max-queues',
      '5',
      '--max-total-queued-bytes',
      '1073741824',
      '--queue-idle-ttl',
      '30',
    ]);
    expect(options.queueQuotas).toEqual({ maxQueues: 5, maxTotalQueuedBytes: 1073741824, queueIdleTtl: 30 });
    expect(parseServeArgs(['--port', '0', '--max-queued-bytes', '0']).queueQuotas).toEqual({
      maxQueuedBytes: 0,
    });
  });

  it('are in the usage text, descriptions in the column of the other flags', () => {
    const lines = SERVE_USAGE.split('\n');
    const column = (lines.find((line) => line.startsWith('  --port ')) ?? '').indexOf('HTTP port');
    expect(column).toBe(29);
    for (const flag of FLAGS) {
      const index = lines.findIndex((line) => line.startsWith(`  ${flag} <`));
      const line = lines[index] ?? '';
      const [head = ''] = /^ {2}--\S+ <\S+>/.exec(line) ?? [];
      if (head.length < column) {
        expect([line.slice(0, column), line.slice(column, column + 1)]).toEqual([
          head.padEnd(column),
          expect.stringMatching(/\S/),
        ]);
      } else {
        // Too long for the column: alone on its line, the description on the next one, in the column.
        expect([line, lines[index + 1]]).toEqual([
          head,
          expect.stringMatching(new RegExp(`^ {${column}}\\S`)),
        ]);
      }
    }
    expect(SERVE_USAGE).toContain('(default 10000;');
    expect(SERVE_USAGE).toContain('(default 600)');
  });

  it('in memory (built CLI): --max-queues and --max-total-queued-bytes end a SEND past them with the ERROR naming them', async () => {
    const proc = await serveCli(['--max-queues', '2', '--max-total-queued-bytes', '2000']);
    const websocketUrl = proc.match[2] as string;
    const client = await connect(websocketUrl);
    expect(await send(client, '/queue/a')).toBe('RECEIPT /queue/a');
    expect(await send(client, '/queue/b')).toBe('RECEIPT /queue/b');
    expect(await send(client, '/queue/c')).toBe('ERROR Quota exceeded: maxQueues');
    expect(await client.next(5000)).toBe(CLOSED);
    const big = await connect(websocketUrl);
    expect(await send(big, '/queue/a', 'x'.repeat(1000))).toBe('RECEIPT /queue/a');
    expect(await send(big, '/queue/b', 'x'.repeat(1000))).toBe('ERROR Quota exceeded: maxTotalQueuedBytes');
    expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it.each([
    ['--max-queues', 'abc'],
    ['--max-queued-bytes', '1e6'],
    ['--max-total-queued-bytes', '-5'],
    ['--queue-idle-ttl', '1.5'],
  ])('%s %s exits with code 2 and an error naming the flag (built CLI)', async (flag, value) => {
    const result = await runCli(['serve', '--port', '0', `${flag}=${value}`]);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('STOMP broker ready');
    expect(result.stderr).toContain(`sockwire serve: ${flag} needs a whole number, got ${value}`);
  });

  it('with --broker stomp:// they are refused before connecting, saying where they apply (built CLI)', async () => {
    // Nothing listens on port 1: a refusal that connected first would fail differently.
    const result = await runCli([
      'serve',
      '--port',
      '0',
      '--queue-idle-ttl',
      '60',
      '--broker',
      'stomp://guest:guest@127.0.0.1:1',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'sockwire serve: --max-queues, --max-queued-bytes, --max-total-queued-bytes and --queue-idle-ttl apply to the in-memory broker and --broker redis:// only',
    );
  });
});

describe('sockwire serve queue quota flags with --broker redis:// (in process)', () => {
  const redis = useRedisServer();

  const { serve } = useInProcessServe();

  it('two CLI nodes share --max-queues in Redis, and --queue-idle-ttl expires the queues there', async () => {
    const flags = ['--broker', redis.url, '--max-queues', '2', '--queue-idle-ttl', '1'];
    const a = await serve([...flags, '--node-id', 'quota-a']);
    const b = await serve([...flags, '--node-id', 'quota-b']);
    const onA = await connect(a.urls.websocket);
    expect(await send(onA, '/queue/one')).toBe('RECEIPT /queue/one');
    const onB = await connect(b.urls.websocket);
    expect(await send(onB, '/queue/two')).toBe('RECEIPT /queue/two');
    expect(await send(onB, '/queue/three')).toBe('ERROR Quota exceeded: maxQueues');
    expect((await redis.admin.zrange('sockwire:broker:queue-index', '0', '-1')).sort()).toEqual([
      '/queue/one',
      '/queue/two',
    ]);
    // Nobody consumes them: after the 1 s ttl their streams are gone from Redis, and there is room again.
    await expect
      .poll(
        () => redis.admin.exists('sockwire:broker:queue:/queue/one', 'sockwire:broker:queue:/queue/two'),
        {
          timeout: 5000,
        },
      )
      .toBe(0);
    expect(await send(onA, '/queue/three')).toBe('RECEIPT /queue/three');
  });
});
