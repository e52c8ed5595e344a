import { randomUUID } from 'node:crypto';
import { accepts } from '@sockwire/test-support/ports';
import { killStarted, type Started } from '@sockwire/test-support/processes';
import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { runCli, startCli } from '@sockwire/test-support/serve';
import { afterEach, describe, expect, it } from 'vitest';
import type { StompFrame } from '../../src/stomp/index.js';
import { GET, POST } from '../sockjs/helpers.js';
import { CLOSED, type RawClient } from '../stomp/support/raw-client.js';
import { webSocketTarget } from '../stomp/support/targets.js';
import { wire } from '../stomp/support/test-client.js';

/*
 * `sockwire serve` flags and the CLI's command dispatch, as documented in the README ("CLI", "Scale out") and
 * in `sockwire serve --help`: the built CLI in a child process, spoken to over real HTTP, WebSocket and Redis.
 */

const READY = /SockJS {5}(http:\/\/\S+)\n {2}WebSocket {2}(ws:\/\/\S+)\n/;

afterEach(() => killStarted());

function serve(args: string[]): Promise<Started> {
  return startCli(['serve', ...args], READY);
}

/** The next frame from a raw client, or a description of why there is none. */
async function next(client: RawClient): Promise<StompFrame | string> {
  const got = await client.next(5000);
  return got === undefined ? 'nothing' : got === CLOSED ? 'the end of the connection' : got;
}

/** CONNECT over a raw WebSocket; resolves with the CONNECTED frame. */
async function stompOver(url: string) {
  const target = webSocketTarget('cli', url);
  const client = await target.open();
  client.send(wire('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' }));
  return { client, target, connected: await next(client) };
}

describe('sockwire serve flags (built CLI in a child process)', () => {
  it('--prefix moves the SockJS service and the raw WebSocket under it', async () => {
    const proc = await serve(['--port', '0', '--host', '127.0.0.1', '--prefix', '/chat']);
    const [, sockjsUrl, websocketUrl] = proc.match;
    expect(sockjsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/chat$/);
    expect(websocketUrl).toBe(`${sockjsUrl?.replace('http:', 'ws:')}/websocket`);
    const info = await GET(`${sockjsUrl}/info`);
    expect([info.status, JSON.parse(info.body).websocket]).toEqual([200, true]);
    expect((await GET(`${sockjsUrl?.replace('/chat', '/stomp')}/info`)).status).toBe(404);
    const { connected, target } = await stompOver(websocketUrl as string);
    expect(connected).toMatchObject({ command: 'CONNECTED' });
    await target.close();
    expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('without --host listens on both loopback addresses (127.0.0.1 and ::1) and nowhere else, and shows localhost', async () => {
    const proc = await serve(['--port', '0']);
    const [, sockjsUrl] = proc.match;
    const port = Number(/^http:\/\/localhost:(\d+)\/stomp$/.exec(sockjsUrl ?? '')?.[1]);
    expect(port).toBeGreaterThan(0);
    expect((await GET(`http://127.0.0.1:${port}/stomp/info`)).status).toBe(200);
    expect((await GET(`http://[::1]:${port}/stomp/info`)).status).toBe(200);
    // 127.0.0.2 is loopback too, but a wildcard address would take it: the listeners are on the two addresses.
    expect(await accepts('127.0.0.2', port)).toBe(false);
    expect(await proc.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('refuses an unknown command in one line pointing to the help, with exit code 2', async () => {
    const result = await runCli(['bogus', '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('sockwire: unknown command "bogus" (see sockwire --help)\n');
    const help = await runCli(['help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: sockwire <command> \[options\]\n/);
  });
});

describe('sockwire serve --broker redis:// --node-id (two CLI nodes on a private redis-server)', () => {
  const redis = useRedisServer();

  it('names the nodes as told, shares topics through Redis, and serves a SockJS session from either node', async () => {
    const run = randomUUID().slice(0, 8);
    const start = (id: string) =>
      serve(['--port', '0', '--host', '127.0.0.1', '--broker', redis.url, '--node-id', id]);
    const [a, b] = await Promise.all([start(`a-${run}`), start(`b-${run}`)]);
    const [, urlA, wsA] = a.match;
    const [, urlB, wsB] = b.match;
    for (const [node, id] of [
      [a, `a-${run}`],
      [b, `b-${run}`],
    ] as const) {
      expect(node.output()).toContain(`  broker     Redis at 127.0.0.1:${redis.port} (node ${id})\n`);
    }
    // Each node prints its URLs only once its session bus has started: both are announced in Redis by then.
    expect(await redis.admin.exists(`sockwire:alive:a-${run}`, `sockwire:alive:b-${run}`)).toBe(2);
    expect((await redis.admin.smembers('sockwire:nodes')).sort()).toEqual([`a-${run}`, `b-${run}`]);

    // A topic: subscribed on A, published on B.
    const listener = await stompOver(wsA as string);
    const talker = await stompOver(wsB as string);
    expect(listener.connected).toMatchObject({ command: 'CONNECTED' });
    expect(talker.connected).toMatchObject({ command: 'CONNECTED' });
    listener.client.send(wire('SUBSCRIBE', { id: 's', destination: '/topic/cli', receipt: 'sub' }));
    const subscribed = await next(listener.client);
    expect(subscribed).toMatchObject({ command: 'RECEIPT' });
    // The RECEIPT also says where live delivery starts in the topic's history (kept in Redis).
    expect(typeof subscribed === 'string' ? [] : subscribed.headers.map(([name]) => name)).toEqual([
      'receipt-id',
      'x-stream-offset',
      'x-stream-epoch',
    ]);
    talker.client.send(wire('SEND', { destination: '/topic/cli' }, 'from node b'));
    expect(await next(listener.client)).toMatchObject({ command: 'MESSAGE', body: 'from node b' });
    await Promise.all([listener.target.close(), talker.target.close()]);

    // A SockJS session opened on A belongs to A in Redis; its sends and polls may go to B.
    const session = `000/cli${run}`;
    expect((await POST(`${urlA}/${session}/xhr`)).body).toBe('o\n');
    expect(await redis.admin.get(`sockwire:session:cli${run}`)).toBe(`a-${run}`);
    const connect = JSON.stringify([wire('CONNECT', { 'accept-version': '1.2', 'heart-beat': '0,0' })]);
    expect((await POST(`${urlB}/${session}/xhr_send`, connect)).status).toBe(204);
    expect((await POST(`${urlB}/${session}/xhr`)).body).toMatch(/^a\["CONNECTED\\nversion:1\.2\\n/);

    const stopped = { code: 0, signal: null };
    expect(await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')])).toEqual([stopped, stopped]);
  });
});
