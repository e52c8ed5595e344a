import { describe, expect, it } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { advance, overHttp, overWebSocket, useFakeTimers } from './support/open-fake.js';

useFakeTimers();

describe('heartbeats (fake WebSocket and fetch, fake timers)', () => {
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

describe('messages over WebSocket (fake WebSocket, fake timers)', () => {
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
