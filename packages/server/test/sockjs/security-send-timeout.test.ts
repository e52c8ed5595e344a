import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../../src/index.js';
import { serviceCoreOf } from '../../src/server.js';
import { POST, sessionUrl, startServer, type TestServer, until } from './helpers.js';
import { ManualClock, rawClient, requestHead } from './robustness-support.js';

/*
 * A send body has sendBodyTimeout (default 10 s) to arrive. Before, a client that sent the head of an
 * xhr_send and then dripped its body (or stopped) held the request, and what it had sent, until Node's own
 * 300 s request timeout. Time is a hand-moved clock given to the services as their timers: nothing here
 * waits for real time.
 */

// A server and clock per test, so that no session of an earlier test has a timer fall due meanwhile.
let clock: ManualClock;
let server: TestServer;
beforeEach(async () => {
  clock = new ManualClock();
  server = await startServer(
    { slow: { disconnectDelay: 60_000 }, quick: { disconnectDelay: 60_000, sendBodyTimeout: 250 } },
    { timers: clock },
  );
});
afterEach(() => server.close());

async function openSession(service: string): Promise<string> {
  const url = sessionUrl(server.base, service);
  expect((await POST(`${url}/xhr`)).body).toBe('o\n');
  return url;
}

/**
 * A raw client that sent the head of a send and the start of its body, once the server reads it (its body
 * timer is armed); `timers` is what the clock had pending before.
 */
async function drippingSend(url: string, endpoint: string, declared: number, start: string) {
  const timers = clock.pending;
  const client = await rawClient(server.port);
  const headers: Record<string, string> =
    endpoint === 'jsonp_send' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {};
  await client.send(requestHead('POST', `${new URL(url).pathname}/${endpoint}`, headers, declared) + start);
  await until(() => clock.pending === timers + 1);
  return { client, timers };
}

describe('a send body that does not arrive within sendBodyTimeout', () => {
  for (const endpoint of ['xhr_send', 'jsonp_send']) {
    it(`${endpoint}: 408 naming the option after 10 s by default, then the connection closes; the session lives on`, async () => {
      const url = await openSession('slow');
      const { client, timers } = await drippingSend(
        url,
        endpoint,
        100,
        endpoint === 'xhr_send' ? '["dr' : 'd=',
      );
      clock.advance(9_999);
      expect(clock.pending).toBe(timers + 1);
      clock.advance(1);
      const answer = await client.closed();
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toMatch(/\r\nConnection: close\r\n/i);
      expect(answer).toMatch(/\r\nAccess-Control-Allow-Origin: /i);
      expect(
        answer.endsWith(
          "\r\n\r\nSockwire: Request body not complete within 10000 ms. Send the body faster or raise the server's sendBodyTimeout option.\n",
        ),
      ).toBe(true);
      expect(clock.pending).toBe(timers);
      // Nothing of the dripped body was taken, and the session still takes a send that arrives in time.
      expect((await POST(`${url}/xhr_send`, '["after"]')).status).toBe(204);
      expect((await POST(`${url}/xhr`)).body).toBe('a["after"]\n');
    });
  }

  it('the configured limit is the one applied and named', async () => {
    const url = await openSession('quick');
    const { client } = await drippingSend(url, 'xhr_send', 100, '["x');
    clock.advance(250);
    expect(await client.closed()).toMatch(/^HTTP\/1\.1 408 [\s\S]*within 250 ms\. [\s\S]*sendBodyTimeout/);
  });

  it('a body completed in time is taken, and its timer is cleared', async () => {
    const url = await openSession('slow');
    const body = '["in time"]';
    const { client, timers } = await drippingSend(url, 'xhr_send', body.length, body.slice(0, 4));
    clock.advance(9_000);
    await client.send(body.slice(4));
    await client.waitFor('\r\n\r\n');
    expect(client.text()).toMatch(/^HTTP\/1\.1 204 /);
    expect(clock.pending).toBe(timers);
    expect((await POST(`${url}/xhr`)).body).toBe('a["in time"]\n');
    client.socket.destroy();
  });

  it('must be a positive number of milliseconds', () => {
    expect(() => createServer({ sendBodyTimeout: 0 })).toThrow(
      /option sendBodyTimeout must be a positive number of milliseconds, got 0/,
    );
    expect(serviceCoreOf(createServer()).options.sendBodyTimeout).toBe(10_000);
  });
});
