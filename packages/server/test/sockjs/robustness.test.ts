import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SockwireServer } from '../../src/index.js';
import { CALLBACK, POST, sessionUrl, startServer, type TestServer } from './helpers.js';
import {
  expectHealthy,
  failOnEscapedErrors,
  ManualClock,
  type RawClient,
  rawClient,
  requestHead,
  upgradeHead,
} from './robustness-support.js';

/*
 * TCP resets at every point of every kind of request: the process must not crash, and every session, timer
 * and socket the request created must be gone once the disconnect delay has passed.
 */

failOnEscapedErrors();

/** Session lifetimes run on this clock: each scenario's check moves it on to expire what the scenario left. */
const clock = new ManualClock();

/**
 * The same services reached through `handle()`/`handleUpgrade()`, as a framework adapter calls them, instead
 * of `installHandlers()`: that path needs its own guards against resets.
 */
async function startRouted(): Promise<TestServer> {
  const services: Record<string, SockwireServer> = {};
  for (const [name, websocket] of [
    ['echo', true],
    ['disabled_websocket_echo', false],
  ] as const) {
    const service = createServer({
      prefix: `/${name}`,
      allowedOrigins: '*',
      iframe: true,
      timers: clock,
      responseLimit: 4096,
      websocket,
    });
    service.on('connection', (connection) => connection.on('data', (message) => connection.write(message)));
    services[name] = service;
  }
  const all = Object.values(services);
  const http = createHttpServer((request, response) => {
    if (all.some((service) => service.handle(request, response))) return;
    response.writeHead(404);
    response.end();
  });
  http.on('upgrade', (request, socket, head) => {
    if (!all.some((service) => service.handleUpgrade(request, socket, head))) socket.destroy();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return {
    http,
    port,
    base: `http://127.0.0.1:${port}`,
    services,
    close: async () => {
      for (const service of all) service.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The server the scenarios of the running describe block use. */
let server: TestServer;

/** Path of a fresh session under `service`, relative to the server. */
function sessionPath(service = 'echo'): string {
  return new URL(sessionUrl('http://x', service)).pathname;
}

/** A session opened by one poll, for requests that need an existing one. */
async function openedSessionPath(): Promise<string> {
  const path = sessionPath();
  const opened = await POST(`${server.base}${path}/xhr`);
  expect(opened.body).toBe('o\n');
  return path;
}

interface Built {
  readonly head: string;
  readonly body: string;
}

interface RequestKind {
  readonly name: string;
  readonly upgrade?: boolean;
  /** The request has a body (or, for hixie-76, key bytes after the head) that can be cut in the middle. */
  readonly bodied?: boolean;
  /** Text in the response that shows the server has started answering; null if it never answers by itself. */
  readonly answered: string | null;
  build(): Promise<Built>;
}

const get = (path: string, headers?: Record<string, string>): Built => ({
  head: requestHead('GET', path, headers),
  body: '',
});
const post = (path: string, body: string, headers?: Record<string, string>): Built => ({
  head: requestHead('POST', path, headers, Buffer.byteLength(body)),
  body,
});

const KINDS: readonly RequestKind[] = [
  { name: 'greeting', answered: 'Welcome', build: async () => get('/echo') },
  { name: 'info', answered: '"websocket"', build: async () => get('/echo/info') },
  { name: 'iframe', answered: 'SockJS', build: async () => get('/echo/iframe.html') },
  { name: 'xhr poll (opening)', answered: 'o\n', build: async () => post(`${sessionPath()}/xhr`, '') },
  {
    name: 'xhr poll (pending)',
    answered: null,
    build: async () => post(`${await openedSessionPath()}/xhr`, ''),
  },
  {
    name: 'xhr_send',
    bodied: true,
    answered: '204 No Content',
    build: async () => post(`${await openedSessionPath()}/xhr_send`, '["hello, world"]'),
  },
  {
    name: 'jsonp_send',
    bodied: true,
    answered: '\r\n\r\nok',
    build: async () =>
      post(`${await openedSessionPath()}/jsonp_send`, 'd=%5B%22x%22%5D', {
        'Content-Type': 'application/x-www-form-urlencoded',
      }),
  },
  { name: 'xhr_streaming', answered: 'o\n', build: async () => post(`${sessionPath()}/xhr_streaming`, '') },
  { name: 'eventsource', answered: 'data: o', build: async () => get(`${sessionPath()}/eventsource`) },
  { name: 'htmlfile', answered: 'p("o")', build: async () => get(`${sessionPath()}/htmlfile?c=${CALLBACK}`) },
  {
    name: 'jsonp poll',
    answered: `${CALLBACK}("o")`,
    build: async () => get(`${sessionPath()}/jsonp?c=${CALLBACK}`),
  },
  {
    name: 'websocket upgrade',
    upgrade: true,
    answered: '101 Switching Protocols',
    build: async () => ({ head: upgradeHead(`${sessionPath()}/websocket`), body: '' }),
  },
  {
    name: 'raw websocket upgrade',
    upgrade: true,
    answered: '101 Switching Protocols',
    build: async () => ({ head: upgradeHead('/echo/websocket'), body: '' }),
  },
  {
    // sockjs-node crashed here: the refusal was written to a reset socket that had no 'error' listener.
    name: 'upgrade to a service with WebSocket disabled',
    upgrade: true,
    answered: '404 Not Found',
    build: async () => ({
      head: upgradeHead(`${sessionPath('disabled_websocket_echo')}/websocket`),
      body: '',
    }),
  },
  {
    name: 'hixie-76 upgrade',
    bodied: true,
    upgrade: true,
    answered: '400 Bad Request',
    build: async () => ({
      head: requestHead('GET', `${sessionPath()}/websocket`, {
        Upgrade: 'WebSocket',
        Connection: 'Upgrade',
        Origin: 'http://example.com',
        'Sec-WebSocket-Key1': '4 @1  46546xW%0l 1 5',
        'Sec-WebSocket-Key2': '12998 5 Y3 1  .P00',
      }),
      // hixie-76 sends 8 key bytes after the headers, with no Content-Length.
      body: '^n:ds[4U',
    }),
  },
];

type Point = 'mid-request-line' | 'mid-headers' | 'after-request' | 'mid-body' | 'after-answer' | 'at-once';

/** Resolves once the HTTP server has parsed the head of the next request (and the service has seen it). */
function serverSeesRequest(kind: RequestKind): Promise<unknown> {
  return once(server.http, kind.upgrade === true ? 'upgrade' : 'request');
}

async function resetAt(client: RawClient, kind: RequestKind, built: Built, point: Point): Promise<void> {
  const { head, body } = built;
  switch (point) {
    case 'mid-request-line':
      await client.send(head.slice(0, 7));
      break;
    case 'mid-headers':
      await client.send(head.slice(0, Math.floor(head.length / 2)));
      break;
    case 'after-request': {
      const seen = serverSeesRequest(kind);
      await client.send(head + body);
      await seen;
      break;
    }
    case 'mid-body': {
      const seen = serverSeesRequest(kind);
      await client.send(head);
      await seen;
      await client.send(body.slice(0, Math.ceil(body.length / 2)));
      break;
    }
    case 'after-answer':
      await client.send(head + body);
      await client.waitFor(kind.answered as string);
      break;
    case 'at-once':
      await client.send(head + body);
      break;
  }
  client.reset();
}

const POINTS: readonly Point[] = [
  'mid-request-line',
  'mid-headers',
  'after-request',
  'mid-body',
  'after-answer',
  'at-once',
];

const MOUNTS = [
  { mount: 'installHandlers()', start: () => startServer({}, { timers: clock, iframe: true }) },
  { mount: 'handle()/handleUpgrade()', start: startRouted },
];

describe.each(MOUNTS)('a TCP reset never crashes the server nor leaks, with $mount', ({ start }) => {
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  for (const kind of KINDS) {
    for (const point of POINTS) {
      if (point === 'mid-body' && kind.bodied !== true) continue;
      if (point === 'after-answer' && kind.answered === null) continue;
      it(`${kind.name}: reset ${point}`, async () => {
        const built = await kind.build();
        const client = await rawClient(server.port);
        await resetAt(client, kind, built, point);
        await expectHealthy(server, { clock });
      });
    }
  }
});
