import { describe, expect, it } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { FakeEventSource, FakeWebSocket, fakeEnv, recordEvents } from './support/fakes.js';
import { advance, URL_, useFakeTimers } from './support/open-fake.js';

/*
 * Session keys (protocol's session-key.ts), client side, on fakes: the opening request asks for a key, the
 * keyed open frame's key rides on every later request of the session, a plain `o` (a server without the
 * extension) leaves later requests as plain SockJS, and `sessionKey: false` never asks.
 */

const KEY = 'A'.repeat(10) + 'b_-'.repeat(4);
const query = (url: string) => new URL(url).searchParams.getAll('sw_key');

useFakeTimers();

describe('session keys (fake fetch and EventSource, fake timers)', () => {
  it('asks for a key when the session opens and sends it with every later request', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(`${URL_}?token=t`, { ...options, transports: ['xhr-polling'] });
    const events = recordEvents(socket, ['open', 'message', 'close']);
    await advance(10);
    const opening = http.last('xhr');
    expect(query(opening.url)).toEqual(['new']);
    expect(new URL(opening.url).searchParams.get('token')).toBe('t');
    opening.reply(200, `o{"key":"${KEY}"}\n`);
    await advance(0);
    expect(events).toEqual(['open']);
    const poll = http.last('xhr');
    expect(poll).not.toBe(opening);
    expect(query(poll.url)).toEqual([KEY]);
    socket.send('hello');
    expect(query(http.last('xhr_send').url)).toEqual([KEY]);
    poll.reply(200, 'a["x"]\n');
    await advance(0);
    expect(query(http.last('xhr').url)).toEqual([KEY]);
    expect(events).toEqual(['open', 'message:x']);
  });

  it('carries the key on the EventSource that follows one that ended', async () => {
    const { options } = fakeEnv();
    new SockwireSocket(URL_, { ...options, transports: ['eventsource'] });
    await advance(10);
    const first = FakeEventSource.last();
    first.frame(`o{"key":"${KEY}"}`);
    first.error();
    expect(query(FakeEventSource.last().url)).toEqual([KEY]);
  });

  it('sends plain SockJS requests after a plain open frame (a server without the extension)', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, { ...options, transports: ['xhr-polling'] });
    await advance(10);
    http.last('xhr').reply(200, 'o\n');
    await advance(0);
    expect(query(http.last('xhr').url)).toEqual([]);
    socket.send('x');
    expect(query(http.last('xhr_send').url)).toEqual([]);
  });

  it('never asks with sessionKey: false, and never on a WebSocket', async () => {
    const { http, options } = fakeEnv();
    new SockwireSocket(URL_, { ...options, transports: ['xhr-polling'], sessionKey: false });
    await advance(10);
    expect(query(http.last('xhr').url)).toEqual([]);
    const other = fakeEnv();
    new SockwireSocket(URL_, { ...other.options, transports: ['websocket'] });
    await advance(10);
    expect(FakeWebSocket.last().url).not.toContain('sw_key');
  });

  it('closes with 1002 on a malformed keyed open frame after the open', async () => {
    const { http, options } = fakeEnv();
    const socket = new SockwireSocket(URL_, { ...options, transports: ['xhr-polling'] });
    const events = recordEvents(socket, ['open', 'close']);
    await advance(10);
    http.last('xhr').reply(200, 'o\n');
    await advance(0);
    http.last('xhr').reply(200, 'o{"key":1}\n');
    await advance(0);
    expect(events).toEqual(['open', 'close:1002']);
  });
});
