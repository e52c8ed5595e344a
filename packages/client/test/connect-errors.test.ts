import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type ServerOptions } from '@sockwire/server';
import { nodeEnv } from '@sockwire/test-support/node-env';
import { afterEach, describe, expect, it } from 'vitest';
import { type FetchLike, SockwireSocket, type SockwireSocketOptions } from '../src/index.js';
import { closed, echo } from './support/scenarios.js';

/*
 * What a failed connection says, against the real server over real sockets: the server's own explanation of a
 * refusal (which it sends readable cross-origin), and for a network failure the URL tried and the likely causes.
 * Node's fetch sends no Origin by itself; the tests that play a page give it the one a browser would send.
 */

let http: Server | undefined;
const sockets: SockwireSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  const server = http;
  http = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** An echo service at `/echo` on a free port; resolves to its URL. */
async function echoServer(options: ServerOptions = {}): Promise<string> {
  const server = createHttpServer();
  const service = createServer({ prefix: '/echo', log: () => {}, ...options });
  service.on('connection', (connection) => connection.on('data', (message) => connection.write(message)));
  service.installHandlers(server);
  server.on('close', () => service.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  http = server;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
}

/** Every request with the Origin header of a page at `origin`, as a browser sends it. */
const fromPage =
  (origin: string): FetchLike =>
  (url, init) =>
    fetch(url, { ...init, headers: { Origin: origin } });

function socket(url: string, options: SockwireSocketOptions = {}): SockwireSocket {
  const made = new SockwireSocket(url, { ...nodeEnv, ...options });
  sockets.push(made);
  return made;
}

/** A socket that has opened (rejects with its close if it closes first). */
function opened(url: string, options: SockwireSocketOptions = {}): Promise<SockwireSocket> {
  const made = socket(url, options);
  return new Promise((resolve, reject) => {
    made.addEventListener('open', () => resolve(made));
    closed(made).then((info) => reject(new Error(`closed before open: ${info.code} ${info.reason}`)));
  });
}

describe('connect errors that name the cause (real server)', () => {
  it("a page on an origin the server refuses gets the server's explanation, which says what to change", async () => {
    const url = await echoServer({ allowedOrigins: ['https://app.test'] });
    const refused = await closed(socket(url, { fetch: fromPage('https://evil.test') }));
    expect(refused).toEqual({
      code: 1002,
      reason:
        'Cannot connect to server: /info HTTP 403 Sockwire: origin "https://evil.test" is not allowed to connect. ' +
        'Add it to the server\'s allowedOrigins option, e.g. createServer({ allowedOrigins: ["https://evil.test"] }), ' +
        `or pass --allowed-origins https://evil.test to the sockwire CLI. (GET ${url}/info)`,
      wasClean: false,
    });
    // A browser lets the page read that body: the refusal carries CORS headers for the refused origin.
    const raw = await fetch(`${url}/info`, { headers: { Origin: 'https://evil.test' } });
    expect(raw.headers.get('access-control-allow-origin')).toBe('https://evil.test');
    // The allowed origin connects.
    const allowed = await opened(url, { fetch: fromPage('https://app.test') });
    expect(await echo(allowed, ['in'])).toEqual(['in']);
  });

  it('a server that is not running: the URL tried (without its query) and the likely causes, in order', async () => {
    const url = await echoServer();
    const server = http as Server;
    http = undefined;
    await new Promise((resolve) => server.close(resolve));
    const down = await closed(socket(`${url}?token=secret`));
    expect(down).toEqual({
      code: 1002,
      // Node's fetch says "fetch failed"; browsers say "Failed to fetch" (Chromium), "NetworkError when attempting
      // to fetch resource." (Firefox) or "Load failed" (WebKit), for each of these causes alike.
      reason: `Cannot connect to server: /info fetch failed (GET ${url}/info): server down, wrong path, origin refused, or https page with http URL?`,
      wasClean: false,
    });
  });

  it("a session the server refuses (maxSessionsPerAddress) ends with 2000 and the server's words", async () => {
    const url = await echoServer({ maxSessionsPerAddress: 1 });
    await opened(url, { transports: ['xhr-streaming'] });
    const second = await closed(socket(url, { transports: ['xhr-streaming', 'xhr-polling'] }));
    expect(second).toEqual({
      code: 2000,
      reason:
        'All transports failed; last: xhr failed: HTTP 429 Sockwire: this client address holds its maximum of 1 ' +
        'sessions (maxSessionsPerAddress); close some first. Behind a proxy, see the clientAddress option.',
      wasClean: false,
    });
  });

  it.each(['websocket', 'xhr-streaming'] as const)(
    'a ws:// URL, even the raw WebSocket endpoint that sockwire serve prints, connects over %s',
    async (transport) => {
      const url = await echoServer();
      const endpoint = `${url.replace(/^http/, 'ws')}/websocket`;
      const socket = await opened(endpoint, { transports: [transport] });
      expect(socket.url).toBe(url);
      expect(await echo(socket, ['over ws://'])).toEqual(['over ws://']);
    },
  );
});
