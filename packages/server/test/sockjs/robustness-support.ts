import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import type { Connection, SockjsStats, SockwireServer, Timers } from '../../src/index.js';
import { serviceCoreOf } from '../../src/server.js';
import { GET, type TestServer } from './helpers.js';

/* Shared by the robustness-*.test.ts files: hostile raw clients, and the "nothing leaked" check. */

/**
 * Fail the test during which anything escaped to the process. An error no listener handled crashes a
 * production server, so it is a failure even when every assertion of the test passed.
 */
export function failOnEscapedErrors(): void {
  const escaped: unknown[] = [];
  const record = (error: unknown): void => {
    escaped.push(error);
  };
  beforeAll(() => {
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  afterEach(() => {
    expect(escaped.splice(0).map(String)).toEqual([]);
  });
  afterAll(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });
}

/**
 * A clock the test moves by hand, given to every service as its `timers`. Session lifetimes then do not
 * depend on how fast a loaded machine runs the test (a 300 ms disconnect delay can pass between two requests
 * on a busy CI runner), and its count of pending timers catches any timer a session lost track of.
 */
interface ClockTimer {
  readonly at: number;
  readonly ms: number;
  readonly callback: () => void;
}

export class ManualClock implements Timers {
  private now = 0;
  private lastId = 0;
  private readonly due = new Map<number, ClockTimer>();

  setTimeout(callback: () => void, ms: number): unknown {
    this.lastId += 1;
    this.due.set(this.lastId, { at: this.now + ms, ms, callback });
    return this.lastId;
  }

  /** As Node's `Timeout.refresh()`: the same timer, due `ms` from now again (sessions use it per frame). */
  refresh(handle: unknown): void {
    const timer = this.due.get(handle as number);
    if (timer !== undefined) this.due.set(handle as number, { ...timer, at: this.now + timer.ms });
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Timers scheduled and neither fired nor cleared. */
  get pending(): number {
    return this.due.size;
  }

  /** Move time on by `ms`, firing what falls due in order, including timers those callbacks schedule. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let next = this.firstDue(end); next !== undefined; next = this.firstDue(end)) {
      const [id, timer] = next;
      this.due.delete(id);
      this.now = timer.at;
      timer.callback();
    }
    this.now = end;
  }

  private firstDue(end: number): [number, ClockTimer] | undefined {
    let first: [number, ClockTimer] | undefined;
    for (const entry of this.due) {
      if (entry[1].at <= end && (first === undefined || entry[1].at < first[1].at)) first = entry;
    }
    return first;
  }
}

const IDLE: SockjsStats = { connections: {}, sessionIds: 0, timers: 0, forwardedRequests: 0 };

function statsOf(server: TestServer): Record<string, SockjsStats> {
  return Object.fromEntries(
    Object.entries(server.services).map(([name, service]) => [name, service.stats()]),
  );
}

function openSockets(server: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.http.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/**
 * The process is fine after a scenario: every service still answers its greeting, and soon every session,
 * timer and TCP connection is gone (the greeting's own connection included: the helpers use no agent).
 * With a `clock`, time moves on by the longest disconnect delay on each check, so that abandoned sessions
 * expire and tombstones are forgotten; the clock must end with no timer pending.
 * Services named in `closed` were shut down by the test and must answer nothing any more.
 */
export async function expectHealthy(
  server: TestServer,
  {
    clock,
    closed = [],
    timeoutMs = 5000,
  }: { clock?: ManualClock; closed?: readonly string[]; timeoutMs?: number } = {},
): Promise<void> {
  for (const name of Object.keys(server.services)) {
    // A service that was closed has uninstalled itself: its prefix falls through to a plain 404.
    if (closed.includes(name)) {
      expect((await GET(`${server.base}/${name}`)).status).toBe(404);
      continue;
    }
    const greeting = await GET(`${server.base}/${name}`);
    expect(greeting.status).toBe(200);
    expect(greeting.body).toBe('Welcome to SockJS!\n');
  }
  const services = Object.values(server.services);
  const step = Math.max(...services.map((service) => serviceCoreOf(service).options.disconnectDelay));
  const idle = {
    stats: Object.fromEntries(Object.keys(server.services).map((name) => [name, IDLE])),
    sockets: 0,
    clockTimers: 0,
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Sockets first: a reset the server has not processed yet may still end a session (and start a timer).
    const sockets = await openSockets(server);
    clock?.advance(step);
    const now = { stats: statsOf(server), sockets, clockTimers: clock?.pending ?? 0 };
    if (JSON.stringify(now) === JSON.stringify(idle) || Date.now() > deadline) {
      // On timeout the diff names what leaked.
      expect(now).toEqual(idle);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A hand-driven TCP client, for requests no well-behaved HTTP client would send. */
export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the received text contains `needle`; rejects if the connection closes first. */
  waitFor(needle: string): Promise<void>;
  /** Resolves with everything received once the server closed the connection. */
  closed(): Promise<string>;
  /** Write and resolve once the bytes were handed to the operating system. */
  send(data: string): Promise<void>;
  /** Abort with a TCP RST (what a crashed client or a dropped NAT mapping looks like to the server). */
  reset(): void;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  let isClosed = false;
  const watchers = new Set<() => void>();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
    for (const watch of watchers) watch();
  });
  // Resets and refused writes are the point of these clients, not failures.
  socket.on('error', () => {});
  socket.on('close', () => {
    isClosed = true;
    for (const watch of watchers) watch();
  });
  const waitUntil = (done: () => boolean, onClose: () => Error | null): Promise<void> =>
    new Promise((resolve, reject) => {
      const watch = (): void => {
        if (done()) {
          watchers.delete(watch);
          resolve();
        } else if (isClosed) {
          watchers.delete(watch);
          const error = onClose();
          if (error) reject(error);
          else resolve();
        }
      };
      watchers.add(watch);
      watch();
    });
  return {
    socket,
    text: () => received,
    waitFor: (needle) =>
      waitUntil(
        () => received.includes(needle),
        () =>
          new Error(`connection closed before ${JSON.stringify(needle)}; got ${JSON.stringify(received)}`),
      ),
    closed: async () => {
      await waitUntil(
        () => false,
        () => null,
      );
      return received;
    },
    send: (data) =>
      new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve()))),
    reset: () => {
      socket.resetAndDestroy();
    },
  };
}

/** An HTTP/1.1 request head; `bodyLength` adds a Content-Length. */
export function requestHead(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  bodyLength?: number,
): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (bodyLength !== undefined) lines.push(`Content-Length: ${bodyLength}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** The sample key of RFC 6455, section 1.3: any 16 bytes in base64 will do. */
export const WEBSOCKET_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export function upgradeHead(path: string, extra: Record<string, string> = {}): string {
  return requestHead('GET', path, {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': WEBSOCKET_KEY,
    'Sec-WebSocket-Version': '13',
    ...extra,
  });
}

/** A WebSocket client that records what it receives, with its TCP socket at hand (to stop reading). */
export interface WsClient {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly messages: string[];
  /** Resolves with the next message not yet taken by `next()`. */
  next(): Promise<string>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

export async function openWebSocket(url: string): Promise<WsClient> {
  const ws = new WebSocket(url);
  const messages: string[] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  ws.on('message', (data: Buffer) => {
    messages.push(data.toString('utf8'));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code: number, reason: Buffer) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  ws.on('error', () => {});
  const upgraded = new Promise<IncomingMessage>((resolve) => ws.once('upgrade', resolve));
  await once(ws, 'open');
  const response = await upgraded;
  const next = async (): Promise<string> => {
    while (messages.length <= taken) {
      if (ws.readyState === WebSocket.CLOSED) throw new Error('WebSocket closed before the next message');
      await new Promise<void>((wake) => waiters.push(wake));
    }
    return messages[taken++] as string;
  };
  return { ws, socket: response.socket as Socket, messages, next, closed };
}

/** Resolves with the next connection a service announces. */
export function nextConnection(service: SockwireServer): Promise<Connection> {
  return new Promise((resolve) => service.once('connection', resolve));
}
