import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type SockwireServer } from '@sockwire/server';
import { ManualClock } from '@sockwire/test-support/manual-clock';
import { nodeEnv } from '@sockwire/test-support/node-env';
import { afterEach, describe, expect, it } from 'vitest';
import { type SockwireCloseEvent, SockwireSocket } from '../src/index.js';

/*
 * The socket's `infoTimeout` and `clock` options (packages/client/README.md, "Options"), against real HTTP
 * servers: one that takes `/info` requests and never answers them, and @sockwire/server's echo service.
 */

const servers: Server[] = [];
const services: SockwireServer[] = [];
const sockets: SockwireSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  for (const service of services.splice(0)) service.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server that takes every request and never answers: `requests` resolves each one as it arrives. */
async function silentServer() {
  const arrived: IncomingMessage[] = [];
  let notify: () => void = () => {};
  const server = createHttpServer((request) => {
    arrived.push(request);
    notify();
  });
  const base = await listen(server);
  const request = (n: number) =>
    new Promise<IncomingMessage>((resolve) => {
      const check = () => {
        const found = arrived[n];
        if (found !== undefined) resolve(found);
      };
      notify = check;
      check();
    });
  return { url: `${base}/echo`, arrived, request };
}

function closeOf(socket: SockwireSocket): Promise<{ code: number; reason: string; wasClean: boolean }> {
  return new Promise((resolve) =>
    socket.addEventListener('close', (event) => {
      const { code, reason, wasClean } = event as SockwireCloseEvent;
      resolve({ code, reason, wasClean });
    }),
  );
}

function open(socket: SockwireSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('close', (event) =>
      reject(new Error(`closed: ${(event as SockwireCloseEvent).reason}`)),
    );
  });
}

describe('infoTimeout', () => {
  it('gives up on an /info that never answers with 1002 naming the configured timeout, and aborts the request', async () => {
    const server = await silentServer();
    const socket = new SockwireSocket(server.url, { ...nodeEnv, infoTimeout: 250 });
    sockets.push(socket);
    const events: string[] = [];
    socket.addEventListener('error', () => events.push('error'));
    const closed = closeOf(socket);
    const info = await server.request(0);
    expect(info.url).toBe('/echo/info');
    // The server sees the client give the request up (Node reports it as an 'aborted' error, then 'close').
    info.on('error', () => {});
    const aborted = new Promise((resolve) => info.once('close', resolve));
    expect(await closed).toEqual({
      code: 1002,
      reason: `Cannot connect to server: /info timed out after 250 ms (GET ${server.url}/info)`,
      wasClean: false,
    });
    expect(events).toEqual(['error']);
    await aborted;
    // No transport was tried.
    expect(server.arrived.map((request) => request.url)).toEqual(['/echo/info']);
  });
});

describe('clock (manual clock, real servers)', () => {
  it('times /info out on the injected clock, not on the real one', async () => {
    const server = await silentServer();
    const clock = new ManualClock();
    const socket = new SockwireSocket(server.url, { ...nodeEnv, clock, infoTimeout: 3000 });
    sockets.push(socket);
    const closes: Array<{ code: number; reason: string }> = [];
    socket.addEventListener('close', (event) => {
      const { code, reason } = event as SockwireCloseEvent;
      closes.push({ code, reason });
    });
    await server.request(0);
    clock.advance(2999);
    expect([socket.readyState, closes]).toEqual([SockwireSocket.CONNECTING, []]);
    clock.advance(1);
    expect(closes).toEqual([
      {
        code: 1002,
        reason: `Cannot connect to server: /info timed out after 3000 ms (GET ${server.url}/info)`,
      },
    ]);
    expect(socket.readyState).toBe(SockwireSocket.CLOSED);
  });

  it('decides heartbeat timeouts by the injected clock: its timers and its now()', async () => {
    // The server's heartbeats are an hour apart, so nothing but our messages arrives.
    const service = createServer({ prefix: '/echo', heartbeatDelay: 3_600_000 });
    services.push(service);
    service.on('connection', (connection) => connection.on('data', (message) => connection.write(message)));
    const http = createHttpServer();
    service.installHandlers(http);
    const base = await listen(http);
    const clock = new ManualClock();
    const socket = new SockwireSocket(`${base}/echo`, {
      ...nodeEnv,
      clock,
      transports: ['xhr-streaming'],
      heartbeatTimeout: 60_000,
    });
    sockets.push(socket);
    await open(socket);
    const closes: Array<{ code: number; reason: string; wasClean: boolean }> = [];
    socket.addEventListener('close', (event) => {
      const { code, reason, wasClean } = event as SockwireCloseEvent;
      closes.push({ code, reason, wasClean });
    });

    clock.advance(59_999);
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    // A message at 59 999 ms (clock.now()) restarts the silence the watch measures.
    const echoed = new Promise<string>((resolve) =>
      socket.addEventListener('message', (event) => resolve((event as MessageEvent).data)),
    );
    socket.send('still here');
    expect(await echoed).toBe('still here');
    clock.advance(1);
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    clock.advance(59_998);
    expect([socket.readyState, closes]).toEqual([SockwireSocket.OPEN, []]);
    clock.advance(1);
    expect(closes).toEqual([{ code: 2011, reason: 'Heartbeat timed out after 60000 ms', wasClean: false }]);
  });
});
