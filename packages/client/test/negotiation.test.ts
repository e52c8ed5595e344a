import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SockwireSocket as CoreSocket, XhrStreamingTransport } from '../src/core.js';
import { SockwireSocket } from '../src/index.js';
import { FakeEventSource, FakeWebSocket, fakeEnv, recordEvents } from './support/fakes.js';

const URL_ = 'http://example.test/echo';
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// With the fake /info answering after 10 ms: RTO = 310, timeout = 2 x RTO = 620, head start = 3 x 10 + 100.
const TIMEOUT = 620;
const HEAD_START = 130;

describe('negotiation (fake WebSocket, EventSource and fetch, fake timers)', () => {
  it('asks /info first, then opens a WebSocket in a new session', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    expect(http.requests.map((r) => r.url)).toEqual(['http://example.test/echo/info']);
    expect(FakeWebSocket.instances).toHaveLength(0);
    await advance(10);
    expect(FakeWebSocket.last().url).toMatch(/^ws:\/\/example\.test\/echo\/\d{3}\/[0-9a-v]{16}\/websocket$/);
    FakeWebSocket.last().frame('o');
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    expect(socket.transport).toBe('websocket');
  });

  it('keeps the query string of the URL on every request', async () => {
    const { http, options } = fakeEnv();
    new SockwireSocket('https://example.test/echo?token=abc', { ...options, transports: ['xhr-streaming'] });
    expect(http.requests[0]?.url).toBe('https://example.test/echo/info?token=abc');
    await advance(10);
    expect(http.last('xhr_streaming').url).toMatch(
      /^https:\/\/example\.test\/echo\/\d{3}\/\w+\/xhr_streaming\?token=abc&sw_key=new$/,
    );
  });

  it('skips the WebSocket when /info says websocket: false', async () => {
    const { http, options } = fakeEnv();
    http.info = { websocket: false, cookie_needed: false };
    new SockwireSocket(URL_, options);
    await advance(10);
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(http.to('xhr_streaming')).toHaveLength(1);
  });

  it('skips transports whose constructor the runtime lacks', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, {
      fetch: options.fetch,
      transports: ['websocket', 'eventsource', 'xhr-polling'],
    });
    await advance(10);
    http.last('xhr').reply(200, 'o\n');
    await advance(0);
    expect(socket.transport).toBe('xhr-polling');
  });

  it('falls back at once when the WebSocket fails', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    await advance(10);
    FakeWebSocket.last().drop();
    expect(http.to('xhr_streaming')).toHaveLength(1);
    http
      .last('xhr_streaming')
      .open()
      .push('h'.repeat(2048) + '\no\n');
    await advance(0);
    expect(socket.transport).toBe('xhr-streaming');
  });

  it('starts the next transport beside a stalled WebSocket after the head start; the first to open wins', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    await advance(10);
    const ws = FakeWebSocket.last();
    await advance(HEAD_START - 1);
    expect(http.to('xhr_streaming')).toHaveLength(0);
    await advance(1);
    expect(http.to('xhr_streaming')).toHaveLength(1);
    expect(ws.closed).toBe(false);
    http.last('xhr_streaming').open().push('o\n');
    await advance(0);
    expect(socket.transport).toBe('xhr-streaming');
    expect(ws.closed).toBe(true);
  });

  it('keeps the WebSocket when it opens after the fallback started', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    await advance(10 + HEAD_START);
    const streaming = http.last('xhr_streaming');
    FakeWebSocket.last().frame('o');
    expect(socket.transport).toBe('websocket');
    expect(streaming.aborted).toBe(true);
    // Nothing else starts later.
    await advance(10 * TIMEOUT);
    expect(http.to('eventsource')).toHaveLength(0);
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
  });

  it('falls from streaming that a buffering proxy holds back to polling', async () => {
    const { http, options } = fakeEnv();
    http.info = { websocket: false };
    const socket = new SockwireSocket(URL_, options);
    await advance(10);
    // Headers arrive, the body (prelude and open frame) never does.
    const streaming = http.last('xhr_streaming').open();
    await advance(HEAD_START);
    const source = FakeEventSource.last();
    await advance(HEAD_START);
    http.last('xhr').reply(200, 'o\n');
    await advance(0);
    expect(socket.transport).toBe('xhr-polling');
    expect(streaming.aborted).toBe(true);
    expect(source.closed).toBe(true);
  });

  it('closes with 2000 when every transport fails or times out', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    const events = recordEvents(socket, ['open', 'error', 'close']);
    await advance(10);
    FakeWebSocket.last().drop();
    http.last('xhr_streaming').reply(404);
    await advance(0);
    FakeEventSource.last().error();
    await advance(0);
    expect(http.to('xhr')).toHaveLength(1);
    await advance(TIMEOUT);
    expect(events).toEqual(['error', 'close:2000']);
    expect(socket.readyState).toBe(SockwireSocket.CLOSED);
  });

  it('times a transport out after two RTOs', async () => {
    const { options } = fakeEnv();
    const socket = new SockwireSocket(URL_, { ...options, transports: ['websocket'] });
    const events = recordEvents(socket, ['close']);
    await advance(10 + TIMEOUT - 1);
    expect(events).toEqual([]);
    expect(FakeWebSocket.last().closed).toBe(false);
    await advance(1);
    expect(FakeWebSocket.last().closed).toBe(true);
    expect(events).toEqual(['close:2000']);
  });

  it('derives timeout and head start from a long RTT, and honours the timing options', async () => {
    const { http, options } = fakeEnv();
    http.infoDelay = 200; // RTO = 4 x 200, timeout 1600, head start 700
    new SockwireSocket(URL_, options);
    await advance(200 + 699);
    expect(http.to('xhr_streaming')).toHaveLength(0);
    await advance(1);
    expect(http.to('xhr_streaming')).toHaveLength(1);

    const second = fakeEnv();
    const socket = new SockwireSocket(URL_, { ...second.options, timeout: 5000, fallbackDelay: 50 });
    const events = recordEvents(socket, ['close']);
    await advance(10 + 50);
    expect(second.http.to('xhr_streaming')).toHaveLength(1);
    await advance(50);
    expect(FakeEventSource.instances).toHaveLength(1);
    await advance(50);
    expect(second.http.to('xhr')).toHaveLength(1);
    // Each attempt has its own timeout: the last one, started at 160 ms, ends the negotiation.
    await advance(5000 - 1);
    expect(events).toEqual([]);
    await advance(1);
    expect(events).toEqual(['close:2000']);
  });

  it('tries only the transports named, in the order named', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, { ...options, transports: ['xhr-polling', 'websocket'] });
    await advance(10);
    expect(FakeWebSocket.instances).toHaveLength(0);
    http.last('xhr').reply(500);
    await advance(0);
    FakeWebSocket.last().frame('o');
    expect(socket.transport).toBe('websocket');
    expect(http.to('xhr_streaming')).toHaveLength(0);
  });

  it('takes transport objects, so the core entry carries only those', async () => {
    const { http, options } = fakeEnv();
    const socket = new CoreSocket(URL_, { ...options, transports: [XhrStreamingTransport] });
    await advance(10);
    http.last('xhr_streaming').open().push('o\n');
    await advance(0);
    expect(socket.transport).toBe('xhr-streaming');
    expect(() => new CoreSocket(URL_, { ...options, transports: ['websocket'] })).toThrow(TypeError);
    expect(() => new SockwireSocket(URL_, { ...options, transports: ['iframe' as 'websocket'] })).toThrow(
      /Unknown transport: iframe/,
    );
  });

  it('sends credentials when /info says cookie_needed', async () => {
    const { http, options } = fakeEnv();
    http.info = { websocket: false, cookie_needed: true };
    const socket = new SockwireSocket(URL_, { ...options, fallbackDelay: 1 });
    await advance(12);
    expect(http.last('xhr_streaming').init.credentials).toBe('include');
    expect(FakeEventSource.last().withCredentials).toBe(true);
    expect(http.last('xhr').init.credentials).toBe('include');
    http.last('xhr').reply(200, 'o\n');
    await advance(0);
    socket.send('x');
    expect(http.last('xhr_send').init.credentials).toBe('include');

    const plain = fakeEnv();
    new SockwireSocket(URL_, { ...plain.options, transports: ['eventsource'] });
    await advance(10);
    expect(FakeEventSource.last().withCredentials).toBe(false);
  });

  it('gives each attempt a new session under one server id', async () => {
    const { http, options } = fakeEnv();
    new SockwireSocket(URL_, options);
    await advance(10);
    FakeWebSocket.last().drop();
    const [, server1, session1] = new URL(FakeWebSocket.last().url).pathname.split('/').slice(1);
    const [, server2, session2] = new URL(http.last('xhr_streaming').url).pathname.split('/').slice(1);
    expect(server1).toBe(server2);
    expect(session1).not.toBe(session2);
  });

  it('ends everything on a close frame before the open frame', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    const events = recordEvents(socket, ['open', 'error', 'close']);
    await advance(10);
    FakeWebSocket.last().frame('c[3003,"Not you"]');
    await advance(10 * TIMEOUT);
    expect(events).toEqual(['close:3003']);
    expect(http.to('xhr_streaming')).toHaveLength(0);
  });

  it('treats garbage or a constructor that throws as a failed attempt', async () => {
    const { http, options } = fakeEnv();
    new SockwireSocket(URL_, options);
    await advance(10);
    FakeWebSocket.last().frame('<html>proxy says no</html>');
    expect(FakeWebSocket.last().closed).toBe(true);
    expect(http.to('xhr_streaming')).toHaveLength(1);

    const second = fakeEnv();
    class Refused {
      constructor() {
        throw new DOMException('mixed content', 'SecurityError');
      }
    }
    const socket = new SockwireSocket(URL_, {
      ...second.options,
      WebSocket: Refused as unknown as typeof FakeWebSocket,
    });
    await advance(10);
    second.http.last('xhr_streaming').open().push('o\n');
    await advance(0);
    expect(socket.transport).toBe('xhr-streaming');
  });

  it('closes with 1002 when /info fails, and says why', async () => {
    const { http, options } = fakeEnv();
    http.info = null;
    const socket = new SockwireSocket(URL_, options);
    const closes: string[] = [];
    socket.addEventListener('close', (event) => closes.push((event as CloseEvent).reason));
    http.last('info').reply(503, 'busy');
    await advance(0);
    expect(closes).toEqual(['Cannot connect to server: /info HTTP 503']);

    const second = fakeEnv();
    second.http.info = null;
    const late = new SockwireSocket(URL_, second.options);
    const events = recordEvents(late, ['close']);
    await advance(7999);
    expect(events).toEqual([]);
    await advance(1);
    expect(events).toEqual(['close:1002']);
    expect(second.http.last('info').aborted).toBe(true);

    const third = fakeEnv();
    third.http.info = null;
    const broken = new SockwireSocket(URL_, third.options);
    const reasons: string[] = [];
    broken.onclose = (event) => reasons.push(event.reason);
    third.http.last('info').reply(200, '<html>');
    await advance(0);
    expect(reasons[0]).toMatch(/^Cannot connect to server: \/info .*JSON/);
  });
});
