import { afterEach, beforeEach, vi } from 'vitest';
import { SockwireSocket, type SockwireSocketOptions } from '../../src/index.js';
import { type FakeRequest, FakeWebSocket, fakeEnv, recordEvents } from './fakes.js';

/* Sockets opened on fakes, for the unit tests (which run under vitest's fake timers). */

export const URL_ = 'http://example.test/echo';
export const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** Every test of the file that calls this runs on vitest's fake timers (moved on with `advance`). */
export function useFakeTimers(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

export async function overWebSocket(extra: SockwireSocketOptions = {}) {
  const { http, options } = fakeEnv();
  const socket = new SockwireSocket(URL_, { ...options, transports: ['websocket'], ...extra });
  const events = recordEvents(socket, ['open', 'message', 'error', 'close']);
  await advance(10);
  const ws = FakeWebSocket.last();
  ws.frame('o');
  return { socket, ws, http, events };
}

/** An open socket over an HTTP transport, with its first receiving request. */
export async function overHttp(
  transport: 'xhr-streaming' | 'xhr-polling',
  extra: SockwireSocketOptions = {},
) {
  const { http, options } = fakeEnv();
  const socket = new SockwireSocket(URL_, { ...options, transports: [transport], ...extra });
  const events = recordEvents(socket, ['open', 'message', 'error', 'close']);
  await advance(10);
  const endpoint = transport === 'xhr-streaming' ? 'xhr_streaming' : 'xhr';
  const first = http.last(endpoint);
  if (transport === 'xhr-streaming') first.open().push('h'.repeat(2048) + '\no\n');
  else first.reply(200, 'o\n');
  await advance(0);
  return { socket, http, events, first, endpoint };
}

export function sessionOf(request: FakeRequest | FakeWebSocket): string {
  return new URL(request.url).pathname.split('/').slice(0, -1).join('/');
}
