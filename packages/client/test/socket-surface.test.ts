import { describe, expect, it } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { FakeWebSocket, fakeEnv } from './support/fakes.js';
import { advance, overWebSocket, URL_, useFakeTimers } from './support/open-fake.js';

useFakeTimers();

describe('WebSocket-compatible surface (fake WebSocket and fetch, fake timers)', () => {
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

  it('takes a ws(s) URL ending in /websocket (the raw WebSocket endpoint) as its service, the parent', async () => {
    const { http, options } = fakeEnv();
    const urls = [
      'ws://example.test/stomp/websocket',
      'WSS://example.test/stomp/websocket/?token=1#x',
      'ws://example.test/stomp',
      'ws://example.test/stomp/websockets',
      'http://example.test/websocket',
    ].map((url) => new SockwireSocket(url, { ...options, transports: ['xhr-polling'] }).url);
    expect(urls).toEqual([
      'http://example.test/stomp',
      'https://example.test/stomp?token=1',
      'http://example.test/stomp',
      'http://example.test/stomp/websockets',
      'http://example.test/websocket',
    ]);
    expect(http.requests.map((request) => request.url)).toEqual([
      'http://example.test/stomp/info',
      'https://example.test/stomp/info?token=1',
      'http://example.test/stomp/info',
      'http://example.test/stomp/websockets/info',
      'http://example.test/websocket/info',
    ]);
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

describe('closing (fake WebSocket and fetch, fake timers)', () => {
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
    ['a{"not":"an array"}', 'Malformed message frame: expected strings'],
    ['a[1,2]', 'Malformed message frame: expected strings'],
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
