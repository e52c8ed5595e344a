import { killStarted } from '@sockwire/test-support/processes';
import { startCli } from '@sockwire/test-support/serve';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs, type RunningServe, SERVE_USAGE, startServe } from '../../src/cli/serve.js';
import { POST } from '../sockjs/helpers.js';

/*
 * `sockwire serve --session-keys --max-sessions --max-sessions-per-address --max-tcp-connections` (security
 * issue 14): parsed, refused when malformed, and reaching the SockJS server: through startServe in process,
 * and through the built CLI in a child process (node scripts/build.mjs first).
 */

const READY = /SockJS {5}(http:\/\/\S+)\n/;
const running: RunningServe[] = [];
afterEach(async () => {
  killStarted();
  await Promise.all(running.splice(0).map((serve) => serve.close()));
});

let counter = 0;
const session = (sockjs: string) => `${sockjs}/000/cli-security-${process.pid}-${++counter}`;

describe('sockwire serve: session flags', () => {
  it('parses each flag into its option', () => {
    const options = parseServeArgs([
      '--port',
      '0',
      '--session-keys',
      'required',
      '--max-sessions',
      '5',
      '--max-sessions-per-address',
      '2',
      '--max-tcp-connections',
      '3',
      '--max-unacked',
      '7',
    ]);
    expect(options).toMatchObject({
      sessionKeys: 'required',
      maxSessions: 5,
      maxSessionsPerAddress: 2,
      maxTcpConnections: 3,
      maxUnacked: 7,
    });
    expect(SERVE_USAGE).toContain('--session-keys <mode>');
    expect(SERVE_USAGE).toContain('--max-sessions-per-address <n>');
  });

  it.each([
    [['--session-keys', 'strict'], '--session-keys takes offered or required'],
    [['--max-sessions', '0'], '--max-sessions needs at least 1'],
    [['--max-sessions-per-address', '1.5'], '--max-sessions-per-address needs a whole number'],
    [['--max-tcp-connections', 'many'], '--max-tcp-connections needs a whole number'],
    [['--max-unacked', '0'], '--max-unacked needs at least 1'],
  ])('refuses %j with a message saying why, and where the help is', (flags, message) => {
    expect(() => parseServeArgs(['--port', '0', ...flags])).toThrow(message);
    expect(() => parseServeArgs(['--port', '0', ...flags])).toThrow('(see sockwire serve --help)');
  });

  it('--session-keys required and --max-sessions-per-address reach the SockJS server', async () => {
    const serve = await startServe(
      parseServeArgs([
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--session-keys',
        'required',
        '--max-sessions-per-address',
        '2',
      ]),
    );
    running.push(serve);
    const plain = await POST(`${session(serve.urls.sockjs)}/xhr`);
    expect(plain.status).toBe(403);
    expect(plain.body).toContain('--session-keys offered');
    expect((await POST(`${session(serve.urls.sockjs)}/xhr?sw_key=new`)).body).toMatch(/^o\{"key":/);
    expect((await POST(`${session(serve.urls.sockjs)}/xhr?sw_key=new`)).status).toBe(200);
    const third = await POST(`${session(serve.urls.sockjs)}/xhr?sw_key=new`);
    expect(third.status).toBe(429);
    expect(third.body).toContain('maxSessionsPerAddress');
  });

  it('the built CLI takes --max-sessions', async () => {
    const started = await startCli(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--max-sessions', '1'],
      READY,
    );
    const sockjs = started.match[1] as string;
    expect((await POST(`${session(sockjs)}/xhr`)).status).toBe(200);
    const refused = await POST(`${session(sockjs)}/xhr`);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('maxSessions');
  });
});
