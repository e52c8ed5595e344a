import { once } from 'node:events';
import type { CloseInfo, Connection } from '@sockwire/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { CALLBACK, POST, sessionUrl, startServer, stream, type TestServer } from './helpers.js';
import {
  expectHealthy,
  failOnEscapedErrors,
  ManualClock,
  nextConnection,
  openWebSocket,
  rawClient,
  requestHead,
  upgradeHead,
} from './robustness-support.js';

/* Clients that give up half-way, send what they should not, or send far too much. */

failOnEscapedErrors();

/** Session lifetimes run on this clock, so that no test depends on how fast the machine is. */
const clock = new ManualClock();

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ small: { maxMessageSize: 1024 } }, { timers: clock });
});
afterAll(() => server.close());

const closeOf = (connection: Connection): Promise<CloseInfo> =>
  new Promise((resolve) => connection.once('close', resolve));

/** Open a session with one poll and return its URL. */
async function openPolling(service = 'echo'): Promise<string> {
  const url = sessionUrl(server.base, service);
  expect((await POST(`${url}/xhr`)).body).toBe('o\n');
  return url;
}

describe('aborted receiving requests', () => {
  const cases = [
    { name: 'xhr_streaming', method: 'POST', path: 'xhr_streaming', opened: 'o\n' },
    { name: 'eventsource', method: 'GET', path: 'eventsource', opened: 'data: o' },
    { name: 'htmlfile', method: 'GET', path: `htmlfile?c=${CALLBACK}`, opened: 'p("o")' },
  ] as const;

  for (const { name, method, path, opened } of cases) {
    it(`${name}: closing the stream closes the session with 1002 "Connection interrupted"`, async () => {
      const url = sessionUrl(server.base);
      const connected = nextConnection(server.services.echo!);
      const response = await stream(method, `${url}/${path}`);
      let text = '';
      while (!text.includes(opened)) text += (await response.read()) ?? '';
      const closed = closeOf(await connected);
      response.abort();
      expect(await closed).toEqual({ code: 1002, reason: 'Connection interrupted', wasClean: false });
      // The session answers with its close frame until the tombstone expires.
      expect((await POST(`${url}/xhr`)).body).toBe('c[1002,"Connection interrupted"]\n');
      expect((await POST(`${url}/xhr_send`, '["late"]')).status).toBe(404);
      await expectHealthy(server, { clock });
    });
  }

  it('a pending xhr poll that the client abandons interrupts its session too', async () => {
    const connected = nextConnection(server.services.echo!);
    const url = await openPolling();
    const closed = closeOf(await connected);
    const client = await rawClient(server.port);
    const seen = once(server.http, 'request');
    await client.send(requestHead('POST', `${new URL(url).pathname}/xhr`, {}, 0));
    await seen;
    client.socket.end();
    expect(await closed).toEqual({ code: 1002, reason: 'Connection interrupted', wasClean: false });
    expect((await POST(`${url}/xhr`)).body).toBe('c[1002,"Connection interrupted"]\n');
    await expectHealthy(server, { clock });
  });
});

describe('payloads the server refuses', () => {
  it('broken JSON on xhr_send gets 500 and leaves the session usable', async () => {
    const url = await openPolling();
    const refusals = [
      ['not json', 'Broken JSON encoding.'],
      ['["unterminated', 'Broken JSON encoding.'],
      ['', 'Payload expected.'],
      ['{"a":1}', 'Broken JSON encoding: expected an array of strings.'],
      ['[1,2]', 'Broken JSON encoding: expected an array of strings.'],
    ] as const;
    for (const [body, message] of refusals) {
      const response = await POST(`${url}/xhr_send`, body);
      expect([response.status, response.body]).toEqual([500, message]);
    }
    expect((await POST(`${url}/xhr_send`, '["still here"]')).status).toBe(204);
    expect((await POST(`${url}/xhr`)).body).toBe('a["still here"]\n');
    await expectHealthy(server, { clock });
  });

  it('broken JSON on jsonp_send gets 500 and leaves the session usable', async () => {
    const url = await openPolling();
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const broken = await POST(`${url}/jsonp_send`, 'd=%E0%A4%A', form);
    expect([broken.status, broken.body]).toEqual([500, 'Broken JSON encoding.']);
    expect((await POST(`${url}/jsonp_send`, 'd=%5B%22ok%22%5D', form)).body).toBe('ok');
    expect((await POST(`${url}/xhr`)).body).toBe('a["ok"]\n');
    await expectHealthy(server, { clock });
  });

  /** A session on the `small` service (1 KiB messages) and the path of its send URL. */
  async function smallSession(): Promise<{ url: string; send: string }> {
    const url = await openPolling('small');
    return { url, send: `${new URL(url).pathname}/xhr_send` };
  }

  it('an xhr_send body declared over maxMessageSize gets 413 at once, and a close once the body is in', async () => {
    const { url, send } = await smallSession();
    const client = await rawClient(server.port);
    // The head alone: the server must answer without waiting for a body it will not use...
    await client.send(requestHead('POST', send, {}, 5000));
    await client.waitFor('maxMessageSize');
    expect(client.text()).toMatch(/^HTTP\/1\.1 413 /);
    expect(client.text()).toMatch(/\r\nConnection: close\r\n/i);
    // ...but closes only once it has read it: closing on unread data would reset the connection (oversize.ts).
    await client.send('x'.repeat(5000));
    await client.closed();
    expect((await POST(`${url}/xhr_send`, JSON.stringify(['x'.repeat(1000)]))).status).toBe(204);
    expect((await POST(`${url}/xhr`)).body).toBe(`a${JSON.stringify(['x'.repeat(1000)])}\n`);
    await expectHealthy(server, { clock });
  });

  it('a chunked xhr_send body that grows past maxMessageSize gets 413 before it ends', async () => {
    const { url, send } = await smallSession();
    const client = await rawClient(server.port);
    const chunk = JSON.stringify(['y'.repeat(2000)]);
    const head = requestHead('POST', send, { 'Transfer-Encoding': 'chunked' });
    // No terminating chunk yet: the answer must not wait for it. (One that never comes: security-send-limit.)
    await client.send(`${head}${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await client.waitFor('maxMessageSize');
    expect(client.text()).toMatch(/^HTTP\/1\.1 413 /);
    await client.send('0\r\n\r\n');
    await client.closed();
    expect((await POST(`${url}/xhr_send`, '["after"]')).status).toBe(204);
    expect((await POST(`${url}/xhr`)).body).toBe('a["after"]\n');
    await expectHealthy(server, { clock });
  });

  for (const endpoint of ['websocket', 'raw websocket'] as const) {
    it(`a ${endpoint} message over maxMessageSize closes the connection with 1009`, async () => {
      const url =
        endpoint === 'websocket'
          ? `${sessionUrl(server.base, 'small')}/websocket`.replace('http:', 'ws:')
          : `${server.base.replace('http:', 'ws:')}/small/websocket`;
      const connected = nextConnection(server.services.small!);
      const client = await openWebSocket(url);
      const closed = closeOf(await connected);
      if (endpoint === 'websocket') expect(await client.next()).toBe('o');
      client.ws.send(JSON.stringify(['z'.repeat(1100)]));
      expect((await client.closed).code).toBe(1009);
      expect(await closed).toEqual({ code: 1009, reason: 'Message too big', wasClean: false });
      await expectHealthy(server, { clock });
    });
  }

  const webSocketAbuse = [
    { name: 'broken JSON', send: (ws: WebSocket) => ws.send('["oops'), code: 1002 },
    { name: 'a binary message', send: (ws: WebSocket) => ws.send(Buffer.from([1, 2, 3])), code: 1003 },
  ];
  for (const { name, send, code } of webSocketAbuse) {
    it(`${name} on a SockJS WebSocket ends it with ${code} and no close frame`, async () => {
      const client = await openWebSocket(`${sessionUrl(server.base)}/websocket`.replace('http:', 'ws:'));
      expect(await client.next()).toBe('o');
      send(client.ws);
      expect((await client.closed).code).toBe(code);
      // An application close frame would tell the client the server ended the session on purpose.
      expect(client.messages).toEqual(['o']);
      await expectHealthy(server, { clock });
    });
  }

  it('garbage frames after a WebSocket handshake close the socket', async () => {
    const connected = nextConnection(server.services.echo!);
    const client = await rawClient(server.port);
    await client.send(upgradeHead(`${new URL(sessionUrl(server.base)).pathname}/websocket`));
    await client.waitFor('101 Switching Protocols');
    const closed = closeOf(await connected);
    // An unmasked text frame: RFC 6455 requires clients to mask, so the server must fail the connection.
    await client.send('\x81\x05hello');
    expect((await closed).code).toBe(1002);
    await client.closed();
    await expectHealthy(server, { clock });
  });
});
