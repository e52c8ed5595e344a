import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import type { IMessage } from '@stomp/stompjs';
import { describe, expect, it } from 'vitest';
import { parseServeArgs, startServe } from '../../src/cli/serve.js';
import { useInProcessServe } from './in-process-serve.js';

/*
 * `sockwire serve --broker redis:// --history-size --history-ttl`: the flags reach the Redis broker, so two CLI
 * nodes keep one bounded history in Redis; with `--broker stomp://` they are refused. In process (startServe as
 * the CLI calls it), so that no build is needed; the built CLI's handling of the flags is in serve-history.test.ts.
 */

const redis = useRedisServer();

const { serve, client } = useInProcessServe();

describe('sockwire serve history flags with --broker', () => {
  it('redis://: two nodes keep one history in Redis with those limits; a resume on the other node is truncated to it', async () => {
    const flags = ['--broker', redis.url, '--history-size', '3', '--history-ttl', '60'];
    const a = await serve([...flags, '--node-id', 'cli-a']);
    const b = await serve([...flags, '--node-id', 'cli-b']);
    const publisher = await client(a, 'pub');
    for (let i = 0; i < 5; i++) publisher.publish('/topic/cli', `m${i}`);
    await publisher.send('/topic/cli', 'm5');

    const reader = await client(b, 'reader');
    const messages: IMessage[] = [];
    reader.client.subscribe('/topic/cli', (message) => messages.push(message), {
      'x-stream-offset': 'offset=0',
    });
    await waitFor(() => messages.length >= 4, 'the gap and three messages', 10_000);
    expect(messages[0]?.headers).toMatchObject({
      'x-stream-gap': 'truncated',
      'x-stream-gap-requested': '0',
      'x-stream-gap-resumed-at': '3',
    });
    expect(messages.slice(1).map((m) => [m.headers['x-stream-offset'], m.body])).toEqual([
      ['3', 'm3'],
      ['4', 'm4'],
      ['5', 'm5'],
    ]);
    // The history is in Redis, three messages long, expiring with the 60 s ttl.
    const [key] = await redis.admin.keys('*history:/topic/cli');
    expect(await redis.admin.xlen(key ?? '')).toBe(3);
    const ttl = await redis.admin.pttl(key ?? '');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("stomp://: refused before connecting, saying that history there is RabbitMQ's", async () => {
    // Nothing listens on port 1: a refusal that connected first would fail differently.
    const options = parseServeArgs([
      '--port',
      '0',
      '--history-ttl',
      '30',
      '--broker',
      'stomp://guest:guest@127.0.0.1:1',
    ]);
    await expect(startServe(options)).rejects.toThrow(
      new TypeError(
        "sockwire serve: --history-size and --history-ttl do not apply to --broker stomp://: history there is RabbitMQ's (resume from a stream queue, x-queue-type: stream)",
      ),
    );
  });
});
