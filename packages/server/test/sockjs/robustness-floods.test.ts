import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceCoreOf } from '../../src/server.js';
import {
  CALLBACK,
  GET,
  POST,
  request,
  sessionUrl,
  startServer,
  stream,
  type TestServer,
  until,
} from './helpers.js';
import {
  expectHealthy,
  failOnEscapedErrors,
  ManualClock,
  rawClient,
  requestHead,
  upgradeHead,
} from './robustness-support.js';

/* Many requests at once, requests for things that do not exist, and bytes that are not HTTP at all. */

failOnEscapedErrors();

/** Session lifetimes run on this clock, so that no test depends on how fast the machine is. */
const clock = new ManualClock();

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, { timers: clock });
});
afterAll(() => server.close());

const pathOf = (url: string): string => new URL(url).pathname;

describe('floods', () => {
  it('200 concurrent polls on one session: one waits, the others get 2010 at once', async () => {
    const url = sessionUrl(server.base);
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    const polls = Array.from({ length: 200 }, () => POST(`${url}/xhr`));
    const another = 'c[2010,"Another connection still open"]\n';
    // Every loser is answered without waiting for the winner, which is still parked.
    const settled: string[] = [];
    for (const poll of polls) void poll.then((response) => settled.push(response.body));
    await until(() => settled.length === 199);
    expect(settled.every((body) => body === another)).toBe(true);
    expect((await POST(`${url}/xhr_send`, '["after the flood"]')).status).toBe(204);
    const bodies = (await Promise.all(polls)).map((response) => response.body);
    expect(bodies.filter((body) => body === another)).toHaveLength(199);
    expect(bodies.filter((body) => body === 'a["after the flood"]\n')).toHaveLength(1);
    // The session is still usable after the flood.
    expect((await POST(`${url}/xhr_send`, '["again"]')).status).toBe(204);
    expect((await POST(`${url}/xhr`)).body).toBe('a["again"]\n');
    await expectHealthy(server, { clock });
  });

  it('300 abandoned sessions on every HTTP transport all expire after the disconnect delay', async () => {
    const opened: Array<Promise<unknown>> = [];
    for (let i = 0; i < 100; i++) opened.push(POST(`${sessionUrl(server.base)}/xhr`));
    for (let i = 0; i < 100; i++) opened.push(GET(`${sessionUrl(server.base)}/jsonp?c=${CALLBACK}`));
    // Streams that reach the echo service's 4 KiB response limit end; their clients never come back.
    const filler = JSON.stringify(['x'.repeat(4096)]);
    for (let i = 0; i < 100; i++) {
      const url = sessionUrl(server.base);
      opened.push(
        stream('POST', `${url}/xhr_streaming`).then(async (response) => {
          await response.readText(2049 + 2);
          await POST(`${url}/xhr_send`, filler);
          while ((await response.read()) !== null) {}
        }),
      );
    }
    await Promise.all(opened);
    const echo = server.services.echo!;
    // One disconnect timer per session, plus the heartbeat timer each stream left pending (a detached
    // session keeps it, idle, for its next sink); polls ended with their open frame and never had one.
    expect(echo.stats()).toMatchObject({ sessionIds: 300, timers: 400 });
    expect(clock.pending).toBe(400);
    // The clock stood still while they opened: every disconnect timer started at the same clock time.
    clock.advance(serviceCoreOf(echo).options.disconnectDelay - 1);
    expect(echo.stats()).toMatchObject({ sessionIds: 300, timers: 400 });
    clock.advance(1);
    expect(echo.stats()).toEqual({ connections: {}, sessionIds: 0, timers: 0, forwardedRequests: 0 });
    expect(clock.pending).toBe(0);
    await expectHealthy(server, { clock });
  });
});

describe('requests for things that do not exist', () => {
  const notFound = [
    ['POST', '/echo/000//xhr'],
    ['POST', '/echo//abc/xhr'],
    ['POST', '/echo/000/a.b/xhr'],
    ['POST', '/echo/0.0/abc/xhr'],
    ['POST', '/echo/000/abc/xhr/extra'],
    ['POST', '/echo/000/abc/XHR'],
    ['POST', '/echo/000/abc/nonsense'],
    ['POST', '/echo/000/abc/'],
    ['GET', '/echo/000/abc'],
    ['GET', '/echo/%00/%2F/eventsource/'],
    ['GET', `/echo/000/${'a'.repeat(8000)}/eventsource/`],
    ['GET', '/echo/info/extra'],
    ['GET', '/echo/iframe-<script>.html'],
    ['GET', '/echoes'],
  ] as const;
  for (const [method, path] of notFound) {
    it(`${method} ${path.slice(0, 60)} is answered 404 and opens no session`, async () => {
      const response = await request(method, `${server.base}${path}`);
      expect(response.status).toBe(404);
      expect(server.services.echo!.stats().sessionIds).toBe(0);
      await expectHealthy(server, { clock });
    });
  }

  it('xhr_send to a session that does not exist is answered 404', async () => {
    const response = await POST(`${sessionUrl(server.base)}/xhr_send`, '["lost"]');
    expect(response.status).toBe(404);
    await expectHealthy(server, { clock });
  });

  it('methods a transport does not take are answered 405', async () => {
    const url = sessionUrl(server.base);
    for (const [method, transport] of [
      ['GET', 'xhr'],
      ['PUT', 'xhr_send'],
      ['DELETE', 'xhr_streaming'],
      ['POST', 'eventsource'],
      ['POST', 'websocket'],
    ] as const) {
      expect((await request(method, `${url}/${transport}`)).status).toBe(405);
    }
    await expectHealthy(server, { clock });
  });

  it('bad htmlfile and jsonp callbacks are answered 500 and open no session', async () => {
    const url = sessionUrl(server.base);
    for (const query of ['', '?c=', '?c=alert(1)', '?c=%3Cscript%3E']) {
      expect((await GET(`${url}/htmlfile${query}`)).status).toBe(500);
      expect((await GET(`${url}/jsonp${query}`)).status).toBe(500);
    }
    expect(server.services.echo!.stats().sessionIds).toBe(0);
    await expectHealthy(server, { clock });
  });
});

describe('WebSocket handshakes the server does not speak', () => {
  /** Send `head` (and `after`) and expect one complete HTTP answer, then the connection closed. */
  async function answerTo(head: string, after = ''): Promise<string> {
    const client = await rawClient(server.port);
    await client.send(head + after);
    return client.closed();
  }

  const session = () => `${pathOf(sessionUrl(server.base))}/websocket`;

  it('hixie-76 (Sec-WebSocket-Key1/Key2, no Sec-WebSocket-Key) gets a clean 400, never a hang', async () => {
    const head = requestHead('GET', session(), {
      Upgrade: 'WebSocket',
      Connection: 'Upgrade',
      Origin: 'http://example.com',
      'Sec-WebSocket-Key1': '4 @1  46546xW%0l 1 5',
      'Sec-WebSocket-Key2': '12998 5 Y3 1  .P00',
    });
    const answer = await answerTo(head, '^n:ds[4U');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(
      /\r\n\r\nUnsupported WebSocket handshake: only RFC 6455 \(version 13\) is spoken\n$/,
    );
    await expectHealthy(server, { clock });
  });

  it('hixie-75 (no keys at all) gets the same 400', async () => {
    const head = requestHead('GET', session(), { Upgrade: 'WebSocket', Connection: 'Upgrade' });
    expect(await answerTo(head)).toMatch(/^HTTP\/1\.1 400 /);
    await expectHealthy(server, { clock });
  });

  it('an unknown Sec-WebSocket-Version is refused by ws with 400', async () => {
    expect(await answerTo(upgradeHead(session(), { 'Sec-WebSocket-Version': '7' }))).toMatch(
      /^HTTP\/1\.1 400 /,
    );
    await expectHealthy(server, { clock });
  });

  it('refusals: POST upgrade 405, upgrade of an HTTP transport 404, disabled WebSocket 404', async () => {
    const post = upgradeHead(session()).replace(/^GET/, 'POST');
    expect(await answerTo(post)).toMatch(/^HTTP\/1\.1 405 /);
    expect(await answerTo(upgradeHead(`${pathOf(sessionUrl(server.base))}/xhr`))).toMatch(/^HTTP\/1\.1 404 /);
    const disabled = `${pathOf(sessionUrl(server.base, 'disabled_websocket_echo'))}/websocket`;
    expect(await answerTo(upgradeHead(disabled))).toMatch(/^HTTP\/1\.1 404 /);
    await expectHealthy(server, { clock });
  });

  it('an upgrade outside every prefix, with nobody else listening, is dropped rather than left hanging', async () => {
    expect(await answerTo(upgradeHead('/elsewhere/websocket'))).toBe('');
    await expectHealthy(server, { clock });
  });
});

describe('HTTP pipelining and garbage', () => {
  it('garbage alone gets 400 and the connection closed', async () => {
    const client = await rawClient(server.port);
    await client.send('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 (a TLS hello on a plain port)\r\n\r\n');
    expect(await client.closed()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    await expectHealthy(server, { clock });
  });

  it('pipelined greetings are all answered in order', async () => {
    const client = await rawClient(server.port);
    const greeting = requestHead('GET', '/echo');
    await client.send(greeting + greeting + requestHead('GET', '/close', { Connection: 'close' }));
    const answer = await client.closed();
    expect(answer.match(/Welcome to SockJS!/g)).toHaveLength(3);
    await expectHealthy(server, { clock });
  });

  it('garbage after a valid request: the request is answered, then the connection closed', async () => {
    const client = await rawClient(server.port);
    await client.send(`${requestHead('GET', '/echo')}\x00\x01\x02 NOT HTTP \xff\r\n\r\n`);
    const answer = await client.closed();
    // Node answers a parse error with 400 only on a connection that has not had a response yet.
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nWelcome to SockJS!\n$/);
    await expectHealthy(server, { clock });
  });

  it('a pending poll and a send pipelined on one connection: the poll gets the echo, then the send its 204', async () => {
    const url = sessionUrl(server.base);
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    const client = await rawClient(server.port);
    const body = '["piped"]';
    await client.send(
      requestHead('POST', `${pathOf(url)}/xhr`, {}, 0) +
        requestHead('POST', `${pathOf(url)}/xhr_send`, { Connection: 'close' }, body.length) +
        body,
    );
    const answer = await client.closed();
    expect(answer.indexOf('a["piped"]\n')).toBeGreaterThan(0);
    expect(answer.indexOf('HTTP/1.1 204')).toBeGreaterThan(answer.indexOf('a["piped"]\n'));
    await expectHealthy(server, { clock });
  });

  const malformed = [
    [
      'request smuggling (Content-Length with Transfer-Encoding)',
      'Transfer-Encoding: chunked\r\nContent-Length: 4',
    ],
    ['an oversized header block', `X-Filler: ${'f'.repeat(20_000)}`],
    ['a header line without a colon', 'this is not a header'],
  ] as const;
  for (const [name, header] of malformed) {
    it(`${name} gets a 4xx and the connection closed`, async () => {
      const client = await rawClient(server.port);
      await client.send(
        `POST ${pathOf(sessionUrl(server.base))}/xhr HTTP/1.1\r\nHost: localhost\r\n${header}\r\n\r\n`,
      );
      expect(await client.closed()).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(server.services.echo!.stats().sessionIds).toBe(0);
      await expectHealthy(server, { clock });
    });
  }
});

describe('timer accounting', () => {
  it('stats count each timer once: a session holds at most its disconnect and heartbeat timers', async () => {
    const url = sessionUrl(server.base);
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    expect(server.services.echo!.stats()).toEqual({
      connections: { 'xhr-polling': 1 },
      sessionIds: 1,
      timers: 1,
      forwardedRequests: 0,
    });
    expect(clock.pending).toBe(1);
    const seen = once(server.http, 'request');
    const poll = POST(`${url}/xhr`);
    await seen;
    // While a poll is parked: its heartbeat timer, and the disconnect timer, which stays pending (ignored
    // while a sink is attached) so that the next poll's end restarts it rather than allocating one.
    expect(server.services.echo!.stats().timers).toBe(2);
    expect(clock.pending).toBe(2);
    await POST(`${url}/xhr_send`, '["x"]');
    expect((await poll).body).toBe('a["x"]\n');
    // Between polls again: the same two timers, restarted, not new ones.
    expect(server.services.echo!.stats().timers).toBe(2);
    expect(clock.pending).toBe(2);
    await expectHealthy(server, { clock });
  });
});
