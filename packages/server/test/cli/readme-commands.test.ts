import { freePort } from '@sockwire/test-support/ports';
import { killStarted, type Started, startProcess } from '@sockwire/test-support/processes';
import { afterEach, describe, expect, it } from 'vitest';
import { GET } from '../sockjs/helpers.js';
import { CLOSED } from '../stomp/support/raw-client.js';
import { webSocketTarget } from '../stomp/support/targets.js';
import { wire } from '../stomp/support/test-client.js';

/*
 * The README's own commands, run as a reader would from the repository root: `npm run sockwire -- serve`,
 * `npm run demo` and `npm run demo:cluster` (which needs redis-server and haproxy). Each is started with a free
 * port, used through the URL it prints, and stopped as Ctrl+C would (SIGINT to its whole process group); the
 * test then waits until no process of that group is left.
 */

afterEach(() => killStarted());

const npm = (args: string[], ready: RegExp): Promise<Started> => startProcess('npm', ['run', ...args], ready);

/** CONNECT (with a login, as the chat wants one) over the raw WebSocket at `url`; the first frame back. */
async function stompConnect(url: string): Promise<string> {
  const target = webSocketTarget('readme', url);
  try {
    const client = await target.open();
    client.send(
      wire('CONNECT', { 'accept-version': '1.2', login: 'readme', passcode: 'k', 'heart-beat': '0,0' }),
    );
    const got = await client.next(10_000);
    return got === undefined ? 'nothing' : got === CLOSED ? 'closed' : got.command;
  } finally {
    await target.close();
  }
}

/** The chat page and its STOMP endpoint behind `base` (`http://host:port/`). */
async function expectChat(base: string): Promise<void> {
  const page = await GET(base);
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html; charset=utf-8$/i);
  expect(page.body).toContain('<title>Sockwire chat</title>');
  const info = await GET(`${base}stomp/info`);
  expect([info.status, JSON.parse(info.body).websocket]).toEqual([200, true]);
  expect(await stompConnect(`${base.replace('http:', 'ws:')}stomp/websocket`)).toBe('CONNECTED');
}

describe('the README commands, from the repository root', () => {
  it('`npm run sockwire -- serve --port 0` prints its URLs, serves them, and stops on Ctrl+C', async () => {
    const proc = await npm(
      ['sockwire', '--', 'serve', '--port', '0', '--host', '127.0.0.1'],
      /SockJS {5}(http:\/\/\S+)\n {2}WebSocket {2}(ws:\/\/\S+)\n/,
    );
    const [, sockjsUrl, websocketUrl] = proc.match;
    expect(sockjsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/stomp$/);
    const info = await GET(`${sockjsUrl}/info`);
    expect([info.status, JSON.parse(info.body).websocket]).toEqual([200, true]);
    expect(await stompConnect(websocketUrl as string)).toBe('CONNECTED');
    await proc.stop('SIGINT');
    expect(proc.output()).toContain('sockwire serve: SIGINT, stopping');
  });

  it('`npm run demo -- --port 0` builds the chat, prints its URL, serves the page and /stomp, and stops on Ctrl+C', async () => {
    const proc = await npm(['demo', '--', '--port', '0'], /Sockwire chat is running at (http:\/\/\S+\/)\n/);
    const [, url] = proc.match;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expectChat(url as string);
    await proc.stop('SIGINT');
  }, 180_000);

  it('`npm run demo:cluster -- --port <n>` starts Redis, three nodes and HAProxy, serves the chat through the balancer, and stops all of them on Ctrl+C', async () => {
    const port = await freePort();
    const proc = await npm(
      ['demo:cluster', '--', '--port', String(port)],
      /HAProxy round robin without stickiness at (http:\/\/\S+\/)\n/,
    );
    const [, url] = proc.match;
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    expect(proc.output()).toMatch(
      /Sockwire chat cluster: 3 nodes \(node1 :\d+, node2 :\d+, node3 :\d+\),\nRedis redis:\/\//,
    );
    // Round robin: consecutive requests reach different nodes, and each serves the chat.
    for (let i = 0; i < 3; i++) await expectChat(url as string);
    await proc.stop('SIGINT');
  }, 180_000);
});
