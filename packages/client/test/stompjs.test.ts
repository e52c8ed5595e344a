import { Client, type IStompSocket } from '@stomp/stompjs';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { FakeWebSocket, fakeEnv } from './support/fakes.js';

/*
 * @stomp/stompjs takes the socket from `webSocketFactory` and drives it through its IStompSocket contract.
 * The assignment below is the compile-time half of this test.
 */
const factory: (url: string) => IStompSocket = (url) => new SockwireSocket(url);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('serves as the socket of a stompjs Client', async () => {
  expect(factory).toBeTypeOf('function');
  const { options } = fakeEnv();
  const sockets: SockwireSocket[] = [];
  const client = new Client({
    webSocketFactory: () => {
      const socket = new SockwireSocket('http://example.test/stomp', {
        ...options,
        transports: ['websocket'],
      });
      sockets.push(socket);
      return socket;
    },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 0,
  });
  const connected = vi.fn();
  client.onConnect = connected;
  client.activate();
  await vi.advanceTimersByTimeAsync(10);
  const ws = FakeWebSocket.last();
  ws.frame('o');
  await vi.advanceTimersByTimeAsync(0);
  const [connect] = ws.sent.map((data) => (JSON.parse(data) as string[])[0] ?? '');
  expect(connect).toMatch(/^CONNECT\naccept-version:/);
  ws.frame('a' + JSON.stringify(['CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\u0000']));
  await vi.advanceTimersByTimeAsync(0);
  expect(connected).toHaveBeenCalledTimes(1);
  expect(sockets[0]?.binaryType).toBe('arraybuffer');

  client.publish({ destination: '/topic/x', body: 'héllo' });
  expect(JSON.parse(ws.sent.at(-1) ?? '')).toEqual([
    'SEND\ndestination:/topic/x\ncontent-length:6\n\nhéllo\u0000',
  ]);

  const deactivated = client.deactivate();
  await vi.advanceTimersByTimeAsync(0);
  expect(JSON.parse(ws.sent.at(-1) ?? '')).toEqual(['DISCONNECT\nreceipt:close-0\n\n\u0000']);
  ws.frame('a' + JSON.stringify(['RECEIPT\nreceipt-id:close-0\n\n\u0000']));
  await vi.advanceTimersByTimeAsync(0);
  await deactivated;
  expect(ws.closed).toBe(true);
  expect(sockets[0]?.readyState).toBe(SockwireSocket.CLOSED);
});
