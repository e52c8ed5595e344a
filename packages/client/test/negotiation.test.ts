import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { SockwireSocket as CoreSocket, XhrStreamingTransport } from '../src/core.js';
import { SockwireSocket } from '../src/index.js';
import { FakeEventSource, FakeWebSocket, fakeEnv, recordEvents } from './support/fakes.js';
import { useFakeTimers } from './support/open-fake.js';

const URL_ = 'http://example.test/echo';
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

useFakeTimers();

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
    // Node 22 and later have a global WebSocket (and may have EventSource): take them away, as the runtime
    // this test stands for has neither.
    vi.stubGlobal('WebSocket', undefined);
    vi.stubGlobal('EventSource', undefined);
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
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
    expect(closes).toEqual([
      'Cannot connect to server: /info HTTP 503 busy (GET http://example.test/echo/info)',
    ]);

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

describe('connect errors that name the cause (fake WebSocket and fetch, fake timers)', () => {
  const reasonOf = (socket: SockwireSocket): Promise<string> =>
    new Promise((resolve) =>
      socket.addEventListener('close', (event) => resolve((event as CloseEvent).reason)),
    );

  it("passes on the server's explanation of a refused /info (the start of its body)", async () => {
    const { http, options } = fakeEnv();
    http.info = null;
    const socket = new SockwireSocket(URL_, options);
    const reason = reasonOf(socket);
    const refusal =
      'Sockwire: origin "https://app.test" is not allowed to connect. Add it to the server\'s allowedOrigins option, e.g. createServer({ allowedOrigins: ["https://app.test"] }), or pass --allowed-origins https://app.test to the sockwire CLI.\n';
    http.last('info').reply(403, refusal);
    expect(await reason).toBe(
      `Cannot connect to server: /info HTTP 403 ${refusal.trim()} (GET http://example.test/echo/info)`,
    );

    // A body is read up to 500 characters (a proxy's HTML page, say, is not copied whole).
    const second = fakeEnv();
    second.http.info = null;
    const long = new SockwireSocket(URL_, second.options);
    const longReason = reasonOf(long);
    second.http.last('info').reply(502, 'x'.repeat(5000));
    expect(await longReason).toBe(
      `Cannot connect to server: /info HTTP 502 ${'x'.repeat(500)} (GET http://example.test/echo/info)`,
    );
  });

  it('names the URL tried (not its query string) and the likely causes, in order, when /info cannot be fetched', async () => {
    const { http, options } = fakeEnv();
    http.info = null;
    const socket = new SockwireSocket('http://example.test/echo?token=secret', options);
    const reason = reasonOf(socket);
    // What fetch gives for a server that is down, a CORS failure (another origin's 404) or blocked mixed content.
    http.last('info').fail('Failed to fetch');
    expect(await reason).toBe(
      'Cannot connect to server: /info Failed to fetch (GET http://example.test/echo/info): server down, wrong path, origin refused, or https page with http URL?',
    );
  });

  it('says so when the runtime has no fetch', async () => {
    const saved = globalThis.fetch;
    delete (globalThis as { fetch?: unknown }).fetch;
    try {
      const socket = new SockwireSocket(URL_, { WebSocket: FakeWebSocket });
      expect(await reasonOf(socket)).toBe(
        'Cannot connect to server: /info fetch is not defined (GET http://example.test/echo/info)',
      );
    } finally {
      globalThis.fetch = saved;
    }
  });

  it("closes with 2000 naming the last attempt's failure: a server that refuses the session says why", async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, { ...options, transports: ['xhr-streaming', 'xhr-polling'] });
    const events = recordEvents(socket, ['close']);
    const reason = reasonOf(socket);
    await advance(10);
    http
      .last('xhr_streaming')
      .reply(503, 'Sockwire: this server holds its maximum of 2 sessions (maxSessions); retry later.\n');
    await advance(0);
    const quota =
      'Sockwire: this client address holds its maximum of 1 sessions (maxSessionsPerAddress); close some first. Behind a proxy, see the clientAddress option.';
    http.last('xhr').reply(429, `${quota}\n`);
    expect(await reason).toBe(`All transports failed; last: xhr failed: HTTP 429 ${quota}`);
    expect(events).toEqual(['close:2000']);
  });
});
