import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SockwireSocket, type SockwireSocketOptions } from '../src/index.js';
import { FakeEventSource, type FakeRequest, FakeWebSocket, fakeEnv, recordEvents } from './support/fakes.js';

const URL_ = 'http://example.test/echo';
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** An open socket over the fake WebSocket. */
async function overWebSocket(extra: SockwireSocketOptions = {}) {
  const { http, options } = fakeEnv();
  const socket = new SockwireSocket(URL_, { ...options, transports: ['websocket'], ...extra });
  const events = recordEvents(socket, ['open', 'message', 'error', 'close']);
  await advance(10);
  const ws = FakeWebSocket.last();
  ws.frame('o');
  return { socket, ws, http, events };
}

/** An open socket over an HTTP transport, with its first receiving request. */
async function overHttp(transport: 'xhr-streaming' | 'xhr-polling', extra: SockwireSocketOptions = {}) {
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

function sessionOf(request: FakeRequest | FakeWebSocket): string {
  return new URL(request.url).pathname.split('/').slice(0, -1).join('/');
}

describe('WebSocket-compatible surface', () => {
  it('has the constants, the properties and the on* handlers of a WebSocket', async () => {
    expect([
      SockwireSocket.CONNECTING,
      SockwireSocket.OPEN,
      SockwireSocket.CLOSING,
      SockwireSocket.CLOSED,
    ]).toEqual([0, 1, 2, 3]);
    const { options } = fakeEnv();
    const socket = new SockwireSocket('ws://example.test/echo', options);
    expect([socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(socket.url).toBe('http://example.test/echo');
    expect(socket.protocol).toBe('');
    expect(socket.readyState).toBe(0);
    expect(socket.transport).toBeNull();
    expect(socket.bufferedAmount).toBe(0);
    socket.binaryType = 'arraybuffer';
    expect(socket.binaryType).toBe('arraybuffer');
    const calls: string[] = [];
    socket.onopen = function (this: SockwireSocket) {
      calls.push(this === socket ? 'onopen' : 'wrong this');
    };
    socket.addEventListener('open', () => calls.push('listener'));
    await advance(10);
    FakeWebSocket.last().frame('o');
    expect(calls).toEqual(['onopen', 'listener']);
  });

  it('rejects URLs that are not http(s) or ws(s)', () => {
    const { options } = fakeEnv();
    expect(() => new SockwireSocket('ftp://example.test/echo', options)).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
    expect(() => new SockwireSocket('not a url', options)).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
    expect(new SockwireSocket('wss://example.test/echo#x', options).url).toBe('https://example.test/echo');
  });

  it('throws InvalidStateError on send while connecting, TypeError on binary', async () => {
    const { options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    expect(() => socket.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    await advance(10);
    FakeWebSocket.last().frame('o');
    expect(() => socket.send(new Uint8Array(2) as unknown as string)).toThrow(TypeError);
  });

  it('checks close() arguments as a WebSocket does', async () => {
    const { socket } = await overWebSocket();
    expect(() => socket.close(1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => socket.close(2999)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => socket.close(5000)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => socket.close(1000, 'x'.repeat(124))).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
    // 62 x 'é' is 124 UTF-8 bytes but only 62 characters.
    expect(() => socket.close(1000, 'é'.repeat(62))).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    socket.close(4999, 'x'.repeat(123));
    expect(socket.readyState).toBe(SockwireSocket.CLOSING);
  });
});

describe('closing', () => {
  it('close() moves to CLOSING at once and fires a clean close event afterwards', async () => {
    const { socket, ws, events } = await overWebSocket();
    socket.close(3001, 'bye');
    expect(socket.readyState).toBe(SockwireSocket.CLOSING);
    expect(ws.closed).toBe(true);
    expect(events).toEqual(['open']);
    await advance(0);
    expect(socket.readyState).toBe(SockwireSocket.CLOSED);
    expect(events).toEqual(['open', 'close:3001']);
    socket.close();
    socket.send('ignored after close');
    expect(ws.sent).toEqual([]);
  });

  it('close() while connecting abandons /info and tries no transport', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, options);
    let event: CloseEvent | undefined;
    socket.onclose = (e) => {
      event = e as unknown as CloseEvent;
    };
    socket.close();
    await advance(1000);
    expect(event).toMatchObject({ code: 1000, reason: 'Normal closure', wasClean: true });
    expect(http.last('info').aborted).toBe(true);
    expect(FakeWebSocket.instances).toHaveLength(0);
  });

  it.each([
    ['c[3000,"Go away!"]', 3000, 'Go away!'],
    ['c[1000,"Normal closure"]', 1000, 'Normal closure'],
    ['c[2010,"Another connection still open"]', 2010, 'Another connection still open'],
    ['c[1002,"Connection interrupted"]', 1002, 'Connection interrupted'],
    ['c[4321,"custom"]', 4321, 'custom'],
  ])('surfaces the server close frame %s as a clean close', async (frame, code, reason) => {
    const { socket, ws, events } = await overWebSocket();
    let event: CloseEvent | undefined;
    socket.addEventListener('close', (e) => {
      event = e as CloseEvent;
    });
    ws.frame(frame);
    expect(event).toMatchObject({ code, reason, wasClean: true });
    expect(events).toEqual(['open', `close:${code}`]);
    expect(ws.closed).toBe(true);
  });

  it('reports a transport that dies without a close frame as 1006, not clean, error first', async () => {
    const { socket, ws, events } = await overWebSocket();
    let event: CloseEvent | undefined;
    socket.addEventListener('close', (e) => {
      event = e as CloseEvent;
    });
    ws.drop();
    expect(events).toEqual(['open', 'error', 'close:1006']);
    expect(event?.wasClean).toBe(false);
  });

  it('passes on the code of a WebSocket closed without a close frame', async () => {
    const { ws, events } = await overWebSocket();
    ws.drop(1001, 'server shutting down');
    expect(events).toEqual(['open', 'error', 'close:1001']);
  });

  it.each([
    ['a[broken', 'Malformed message frame: broken JSON'],
    ['a{"not":"an array"}', 'Malformed message frame: expected an array of strings'],
    ['a[1,2]', 'Malformed message frame: expected an array of strings'],
    ['x', 'Unknown frame type "x"'],
    ['', 'Empty frame'],
    ['c[3000]', 'Malformed close frame: expected [code, "reason"]'],
  ])('closes with 1002 on the malformed frame %j and says why', async (frame, reason) => {
    const { socket, ws, events } = await overWebSocket();
    let event: CloseEvent | undefined;
    socket.addEventListener('close', (e) => {
      event = e as CloseEvent;
    });
    ws.frame(frame);
    expect(event).toMatchObject({ code: 1002, reason, wasClean: false });
    expect(events).toEqual(['open', 'error', 'close:1002']);
  });

  it('closes with 1006 when a second open frame says the server lost the session', async () => {
    const { ws, events } = await overWebSocket();
    ws.frame('o');
    expect(events).toEqual(['open', 'error', 'close:1006']);
  });

  it('stops delivering a batch once a handler closes the socket', async () => {
    const { socket, ws, events } = await overWebSocket();
    socket.addEventListener('message', (e) => {
      if ((e as MessageEvent).data === 'b') socket.close();
    });
    ws.frame('a["a","b","c"]');
    expect(events).toEqual(['open', 'message:a', 'message:b']);
  });
});

describe('heartbeats', () => {
  it('closes with 2011 after heartbeatTimeout of silence', async () => {
    const { socket, events } = await overHttp('xhr-streaming');
    await advance(59_999);
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    await advance(1);
    expect(events).toEqual(['open', 'error', 'close:2011']);
  });

  it('over WebSocket, watches only once the server has sent a heartbeat frame (sockjs-node pings instead)', async () => {
    const { socket, ws, events } = await overWebSocket();
    await advance(10 * 60_000);
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    ws.frame('h');
    await advance(59_999);
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    await advance(1);
    expect(events).toEqual(['open', 'error', 'close:2011']);
  });

  it('stays open while heartbeats or messages arrive', async () => {
    const { socket, ws } = await overWebSocket({ heartbeatTimeout: 30_000 });
    ws.frame('h');
    const beats: number[] = [];
    socket.addEventListener('heartbeat', () => beats.push(Date.now()));
    for (let i = 0; i < 12; i++) {
      await advance(25_000);
      ws.frame(i % 2 ? 'h' : 'a["x"]');
    }
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
    expect(beats).toHaveLength(6);
    await advance(30_000);
    expect(socket.readyState).toBe(SockwireSocket.CLOSED);
  });

  it('never times out with heartbeatTimeout 0', async () => {
    const { socket } = await overHttp('xhr-polling', { heartbeatTimeout: 0 });
    await advance(3_600_000);
    expect(socket.readyState).toBe(SockwireSocket.OPEN);
  });
});

describe('messages over WebSocket', () => {
  it('delivers messages in order and sends each one as a JSON array, escaped', async () => {
    const { socket, ws, events } = await overWebSocket();
    ws.frame('a["one","two"]');
    ws.frame('a["th\\u2028ree"]');
    expect(events).toEqual(['open', 'message:one', 'message:two', 'message:th\u2028ree']);
    socket.send('hi');
    socket.send('line\u2028sep "q"');
    expect(ws.sent).toEqual(['["hi"]', '["line\\u2028sep \\"q\\""]']);
  });

  it('reports the WebSocket buffer as bufferedAmount and enforces maxBufferedAmount on it', async () => {
    const { socket, ws } = await overWebSocket({ maxBufferedAmount: 100 });
    ws.bufferedAmount = 95;
    expect(socket.bufferedAmount).toBe(95);
    socket.send('12345');
    ws.bufferedAmount = 100;
    expect(() => socket.send('x')).toThrow(expect.objectContaining({ name: 'QuotaExceededError' }));
    expect(ws.sent).toEqual(['["12345"]']);
  });

  it('closes with 1002 on a binary WebSocket message', async () => {
    const { ws, events } = await overWebSocket();
    ws.onmessage?.({ data: new ArrayBuffer(2) } as never);
    expect(events).toEqual(['open', 'error', 'close:1002']);
  });
});

describe('sending over HTTP', () => {
  it('batches sends made while an xhr_send is in flight into the next one, in order', async () => {
    const { socket, http } = await overHttp('xhr-streaming');
    http.autoSend = false;
    socket.send('a');
    expect(http.sentBatches()).toEqual([['a']]);
    socket.send('b');
    socket.send('c');
    socket.send('é');
    expect(http.sentBatches()).toHaveLength(1);
    expect(socket.bufferedAmount).toBe(1 + 1 + 1 + 2);
    http.last('xhr_send').reply(204);
    await advance(0);
    expect(http.sentBatches()).toEqual([['a'], ['b', 'c', 'é']]);
    expect(socket.bufferedAmount).toBe(4);
    http.last('xhr_send').reply(204);
    await advance(0);
    expect(socket.bufferedAmount).toBe(0);
    expect(http.to('xhr_send')).toHaveLength(2);
  });

  it('posts text/plain bodies to the session that opened', async () => {
    const { socket, http, first } = await overHttp('xhr-polling');
    socket.send('x\u0000y');
    const send = http.last('xhr_send');
    expect(sessionOf(send)).toBe(sessionOf(first));
    expect(send.init).toMatchObject({ method: 'POST', body: '["x\\u0000y"]' });
    expect(send.init).not.toHaveProperty('headers');
  });

  it('throws QuotaExceededError past maxBufferedAmount, counting UTF-8 bytes', async () => {
    const { socket, http } = await overHttp('xhr-streaming', { maxBufferedAmount: 10 });
    http.autoSend = false;
    socket.send('12345678');
    expect(() => socket.send('日')).toThrow(expect.objectContaining({ name: 'QuotaExceededError' }));
    socket.send('é');
    expect(socket.bufferedAmount).toBe(10);
  });

  it('splits a large backlog over several requests', async () => {
    const { socket, http } = await overHttp('xhr-polling');
    http.autoSend = false;
    socket.send('first');
    const big = 'y'.repeat(100 * 1024);
    for (let i = 0; i < 5; i++) socket.send(big);
    for (let round = 0; round < 5; round++) {
      http.last('xhr_send').reply(204);
      await advance(0);
    }
    const batches = http.sentBatches();
    expect(batches.flat()).toEqual(['first', big, big, big, big, big]);
    expect(batches.length).toBeGreaterThan(2);
  });

  it('closes with 1006 when an xhr_send fails', async () => {
    const { socket, http, events } = await overHttp('xhr-streaming');
    http.autoSend = false;
    const reasons: string[] = [];
    socket.onclose = (e) => reasons.push(e.reason);
    socket.send('a');
    http.last('xhr_send').reply(404);
    await advance(0);
    expect(events).toEqual(['open', 'error', 'close:1006']);
    expect(reasons).toEqual(['xhr_send failed: HTTP 404']);
  });
});

describe('receiving over HTTP', () => {
  it('xhr-streaming: frames split anywhere, even inside a character; next request when one ends', async () => {
    const { http, events, first } = await overHttp('xhr-streaming');
    // Byte by byte, so that multi-byte UTF-8 sequences arrive in pieces.
    for (const byte of new TextEncoder().encode('a["h\u00e9llo","\u{1F600}"]\nh\na["x"]\n')) {
      first.pushBytes(Uint8Array.of(byte));
    }
    first.end();
    await advance(0);
    expect(events).toEqual(['open', 'message:héllo', 'message:\u{1F600}', 'message:x']);
    expect(http.to('xhr_streaming')).toHaveLength(2);
    const second = http.last('xhr_streaming');
    expect(sessionOf(second)).toBe(sessionOf(first));
    second.open().push('a["h\u00e9').push('llo"]\n');
    await advance(0);
    expect(events).toEqual(['open', 'message:héllo', 'message:\u{1F600}', 'message:x', 'message:héllo']);
  });

  it('xhr-polling: one frame per response, and a new poll after each', async () => {
    const { http, events, first } = await overHttp('xhr-polling');
    expect(http.to('xhr')).toHaveLength(2);
    http.last('xhr').reply(200, 'a["1","2"]\n');
    await advance(0);
    http.last('xhr').reply(200, 'h\n');
    await advance(0);
    http.last('xhr').reply(200, 'a["3"]\n');
    await advance(0);
    expect(events).toEqual(['open', 'message:1', 'message:2', 'message:3']);
    expect(http.to('xhr')).toHaveLength(5);
    expect(new Set(http.to('xhr').map(sessionOf))).toEqual(new Set([sessionOf(first)]));
  });

  it('closes with 1006 on a response without a single frame, or a failed poll', async () => {
    const { http, events } = await overHttp('xhr-polling');
    http.last('xhr').reply(200, '');
    await advance(0);
    expect(events).toEqual(['open', 'error', 'close:1006']);

    const second = await overHttp('xhr-streaming');
    second.first.fail('socket hang up');
    await advance(0);
    expect(second.events).toEqual(['open', 'error', 'close:1006']);
  });

  it('closes with the close frame a poll brings, and polls no more', async () => {
    const { http, events } = await overHttp('xhr-polling');
    http.last('xhr').reply(200, 'c[3000,"Go away!"]\n');
    await advance(0);
    expect(events).toEqual(['open', 'close:3000']);
    expect(http.to('xhr')).toHaveLength(2);
  });

  it('eventsource: frames as events; a new EventSource when one ends; 1006 when one brings nothing', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, { ...options, transports: ['eventsource'] });
    const events = recordEvents(socket, ['open', 'message', 'error', 'close']);
    await advance(10);
    const first = FakeEventSource.last();
    expect(first.url).toMatch(/\/eventsource$/);
    first.frame('o');
    first.frame('a["x"]');
    first.error();
    expect(first.closed).toBe(true);
    const second = FakeEventSource.last();
    expect(second).not.toBe(first);
    expect(sessionOf(second as unknown as FakeRequest)).toBe(sessionOf(first as unknown as FakeRequest));
    second.frame('a["y"]');
    second.error();
    FakeEventSource.last().error();
    expect(events).toEqual(['open', 'message:x', 'message:y', 'error', 'close:1006']);
    expect(http.to('eventsource')).toHaveLength(0);
  });

  it('closing the socket aborts the receiving request', async () => {
    const { socket, http } = await overHttp('xhr-streaming');
    socket.close();
    expect(http.to('xhr_streaming')[0]?.aborted).toBe(true);
    await advance(0);
    expect(http.to('xhr_streaming')).toHaveLength(1);
  });
});
