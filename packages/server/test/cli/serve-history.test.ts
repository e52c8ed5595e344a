import { killStarted, type Started } from '@sockwire/test-support/processes';
import { runCli, startCli } from '@sockwire/test-support/serve';
import { afterEach, describe, expect, it } from 'vitest';
import type { StompFrame } from '../../src/stomp/index.js';
import { offsetOf, Peer } from '../stomp/support/stream-peers.js';
import { webSocketTarget } from '../stomp/support/targets.js';
import { header } from '../stomp/support/test-client.js';

/*
 * `sockwire serve --history-size / --history-ttl`: the built CLI (node scripts/build.mjs) in a child process,
 * resumed against over a real WebSocket.
 */

const READY = /SockJS {5}(http:\/\/\S+)\n {2}WebSocket {2}(ws:\/\/\S+)\n/;

afterEach(() => killStarted());

function serve(args: string[]): Promise<Started> {
  return startCli(['serve', '--port', '0', '--host', '127.0.0.1', ...args], READY);
}

/** Publishes `count` messages to `destination` on the served broker, then resumes it from offset 0. */
async function resumeAfter(proc: Started, destination: string, count: number): Promise<StompFrame[]> {
  const target = webSocketTarget('cli', proc.match[2] as string);
  try {
    const pub = await Peer.open(target);
    await pub.publish(
      destination,
      Array.from({ length: count }, (_, i) => `m${i}`),
    );
    const sub = await Peer.open(target);
    await sub.subscribe('s', destination, { 'x-stream-offset': 'offset=0' });
    const replayed = sub.messages('s').length;
    await pub.publish(destination, ['live']);
    return await sub.awaitMessages('s', replayed + 1);
  } finally {
    await target.close();
  }
}

describe('sockwire serve history flags (built CLI in a child process)', () => {
  it('--history-size 10: a resume from offset 0 after 30 messages is a truncated gap, then 20..29, then live', async () => {
    const proc = await serve(['--history-size', '10']);
    const [gap, ...rest] = await resumeAfter(proc, '/topic/cli-history', 30);
    expect(
      ['x-stream-gap', 'x-stream-gap-requested', 'x-stream-gap-resumed-at'].map((n) =>
        header(gap as StompFrame, n),
      ),
    ).toEqual(['truncated', '0', '20']);
    expect(rest.map(offsetOf)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect(rest.map((f) => f.body)).toEqual([...Array.from({ length: 10 }, (_, i) => `m${20 + i}`), 'live']);
    expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('--history-size 0: a resume is a no-history gap and messages carry no offset', async () => {
    const proc = await serve(['--history-size', '0']);
    const [gap, ...rest] = await resumeAfter(proc, '/topic/cli-off', 3);
    expect([header(gap as StompFrame, 'x-stream-gap'), rest.map((f) => f.body)]).toEqual([
      'no-history',
      ['live'],
    ]);
    expect(header(rest[0] as StompFrame, 'x-stream-offset')).toBeUndefined();
    expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('without the flags, history is on with the defaults (everything of 30 messages is replayed)', async () => {
    const proc = await serve([]);
    const all = await resumeAfter(proc, '/topic/cli-default', 30);
    expect(all.map(offsetOf)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it.each([
    ['--history-size', 'abc'],
    ['--history-size', '1e3'],
    ['--history-ttl', '1.5'],
  ])('%s %s exits with code 2 and an error naming the flag', async (flag, value) => {
    const result = await runCli(['serve', '--port', '0', flag, value]);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('STOMP broker ready');
    expect(result.stderr).toContain(`${flag} needs a whole number`);
    expect(result.stderr).toContain(`got ${value}`);
  });

  it('--history-size with --broker stomp:// is refused with a message saying why', async () => {
    // Refused before any connection: no RabbitMQ is needed (nothing listens on port 1). With redis:// the flags
    // apply (test/cli/serve-history-redis.test.ts).
    const result = await runCli([
      'serve',
      '--port',
      '0',
      '--history-size',
      '5',
      '--broker',
      'stomp://guest:guest@127.0.0.1:1',
    ]);
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('STOMP broker ready');
    expect(result.stderr).toContain(
      "--history-size and --history-ttl do not apply to --broker stomp://: history there is RabbitMQ's",
    );
  });
});
