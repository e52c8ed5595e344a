import { once } from 'node:events';
import type { CloseInfo, Connection } from '@sockwire/server';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  CALLBACK,
  GET,
  POST,
  type Stream,
  sessionUrl,
  startServer,
  stream,
  type TestServer,
} from './helpers.js';
import { expectHealthy, failOnEscapedErrors, ManualClock, openWebSocket } from './robustness-support.js';

/* server.close(): every connection, on every transport, learns it is over with 1001, and nothing remains. */

failOnEscapedErrors();

let server: TestServer;
/** Sessions between polls must still be there when close() runs, however slow the machine. */
let clock: ManualClock;
beforeEach(async () => {
  clock = new ManualClock();
  server = await startServer({}, { timers: clock });
});
afterEach(() => server.close());

const SHUTDOWN = 'c[1001,"Server shutting down"]';
const wsUrl = (url: string) => url.replace(/^http:/, 'ws:');

/** Read a stream to its end. */
async function rest(response: Stream): Promise<string> {
  let text = '';
  for (let chunk = await response.read(); chunk !== null; chunk = await response.read()) text += chunk;
  return text;
}

/** Open a session on every transport of the echo service; resolves once the server announced them all. */
async function openEverything() {
  const echo = server.services.echo!;
  const closes: Array<Promise<CloseInfo & { transport: string }>> = [];
  echo.on('connection', (connection: Connection) => {
    closes.push(
      new Promise((resolve) =>
        connection.once('close', (info) => resolve({ ...info, transport: connection.transport })),
      ),
    );
  });
  const sockjsWs = await openWebSocket(wsUrl(`${sessionUrl(server.base)}/websocket`));
  expect(await sockjsWs.next()).toBe('o');
  const rawWs = await openWebSocket(wsUrl(`${server.base}/echo/websocket`));
  const streams: Record<string, Stream> = {};
  for (const [name, method, path] of [
    ['xhr_streaming', 'POST', 'xhr_streaming'],
    ['eventsource', 'GET', 'eventsource'],
    ['htmlfile', 'GET', `htmlfile?c=${CALLBACK}`],
  ] as const) {
    const response = await stream(method, `${sessionUrl(server.base)}/${path}`);
    // Wait for the open frame, so that the session exists before the shutdown.
    let text = '';
    while (!text.includes('o')) text += (await response.read()) ?? '';
    streams[name] = response;
  }
  /** A session with a poll parked on it, and one between polls. */
  const parked = async (transport: 'xhr' | 'jsonp') => {
    const url = sessionUrl(server.base);
    const poll = transport === 'xhr' ? () => POST(`${url}/xhr`) : () => GET(`${url}/jsonp?c=${CALLBACK}`);
    await poll();
    const seen = once(server.http, 'request');
    const pending = poll();
    await seen;
    // Wrapped: returning the promise itself from an async function would wait for the poll to end.
    return { pending };
  };
  const { pending: pendingXhr } = await parked('xhr');
  const { pending: pendingJsonp } = await parked('jsonp');
  const idleUrl = sessionUrl(server.base);
  await POST(`${idleUrl}/xhr`);
  return { closes, sockjsWs, rawWs, streams, pendingXhr, pendingJsonp, idleUrl };
}

it('server.close() closes every transport with 1001 and leaves nothing behind', async () => {
  const open = await openEverything();
  const echo = server.services.echo!;
  expect(open.closes).toHaveLength(8);
  expect(echo.stats().sessionIds).toBe(6);

  echo.close();

  const infos = await Promise.all(open.closes);
  expect(infos.map((info) => info.code)).toEqual(Array(8).fill(1001));
  expect(infos.map((info) => info.transport).sort()).toEqual([
    'eventsource',
    'htmlfile',
    'jsonp-polling',
    'websocket',
    'websocket-raw',
    'xhr-polling',
    'xhr-polling',
    'xhr-streaming',
  ]);
  // Every client is told, in its transport's framing.
  expect(await open.sockjsWs.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
  expect(open.sockjsWs.messages.at(-1)).toBe(SHUTDOWN);
  expect(await open.rawWs.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
  expect((await open.pendingXhr).body).toBe(`${SHUTDOWN}\n`);
  expect((await open.pendingJsonp).body).toContain(`${CALLBACK}("c[1001,\\"Server shutting down\\"]")`);
  expect(await rest(open.streams.xhr_streaming!)).toBe(`${SHUTDOWN}\n`);
  expect(await rest(open.streams.eventsource!)).toBe(`data: ${SHUTDOWN}\r\n\r\n`);
  expect(await rest(open.streams.htmlfile!)).toContain('p("c[1001,\\"Server shutting down\\"]");');
  // The session that had no sink is forgotten too: its URL no longer reaches the service.
  expect((await POST(`${open.idleUrl}/xhr`)).status).toBe(404);

  expect(echo.stats()).toEqual({ connections: {}, sessionIds: 0, timers: 0, forwardedRequests: 0 });
  // No tombstones: close() forgets every session at once, and cancels every timer.
  expect(clock.pending).toBe(0);
  await expectHealthy(server, { clock, closed: ['echo'] });
});

it('after close(), the service refuses to be installed again and a second close() is harmless', async () => {
  const echo = server.services.echo!;
  echo.close();
  echo.close();
  expect(() => echo.installHandlers(server.http)).toThrow(/closed/);
  await expectHealthy(server, { clock, closed: ['echo'] });
});
