import { describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../src/backoff.js';
import { SockwireCloseEvent } from '../src/index.js';
import {
  type ReconnectableSocket,
  type ReconnectingEvent,
  ReconnectingSocket,
  type ReconnectingSocketOptions,
} from '../src/reconnect.js';
import { FakeWebSocket, fakeEnv, recordEvents } from './support/fakes.js';
import { useFakeTimers } from './support/open-fake.js';

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

useFakeTimers();

/** A fake socket the test opens and drops by hand (the tests that use it say so in their describe). */
class ScriptedSocket extends EventTarget implements ReconnectableSocket {
  static instances: ScriptedSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  transport: string | null = null;
  readonly sent: string[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  constructor(readonly url: string) {
    super();
    ScriptedSocket.instances.push(this);
  }
  static last(): ScriptedSocket {
    return ScriptedSocket.instances.at(-1) as ScriptedSocket;
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
  }
  open(): void {
    this.readyState = 1;
    this.transport = 'xhr-polling';
    this.dispatchEvent(new Event('open'));
  }
  message(data: string): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
  drop(code = 1006, reason = 'gone'): void {
    this.readyState = 3;
    this.dispatchEvent(new SockwireCloseEvent(code, reason, false));
  }
}

function scripted(
  options: ReconnectingSocketOptions = {},
  url: ConstructorParameters<typeof ReconnectingSocket>[0] = 'http://x.test/echo',
) {
  ScriptedSocket.instances = [];
  const socket = new ReconnectingSocket(url, { Socket: ScriptedSocket, random: () => 0.5, ...options });
  const waits: Array<[number, number]> = [];
  socket.addEventListener('reconnecting', (event) => {
    const { attempt, delay } = event as ReconnectingEvent;
    waits.push([attempt, delay]);
  });
  const events = recordEvents(socket, ['open', 'reconnected', 'message', 'error', 'close']);
  return { socket, waits, events };
}

describe('backoffDelay', () => {
  it('draws from [0, min(maxDelay, minDelay * factor^attempt))', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, {}, () => 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 15_000, 15_000,
    ]);
    expect(backoffDelay(3, {}, () => 0)).toBe(0);
    expect(backoffDelay(0, {}, () => 0.9999)).toBe(999);
    expect(backoffDelay(2, { minDelay: 100, factor: 3, maxDelay: 500 }, () => 0.5)).toBe(250);
  });
});

describe('ReconnectingSocket against a scripted fake socket (ScriptedSocket, fake timers)', () => {
  it('retries on the full-jitter schedule until a connection opens', async () => {
    const { socket, waits, events } = scripted();
    ScriptedSocket.last().drop(2000, 'All transports failed');
    expect(waits).toEqual([[1, 500]]);
    expect(socket.readyState).toBe(ReconnectingSocket.CONNECTING);
    await advance(499);
    expect(ScriptedSocket.instances).toHaveLength(1);
    await advance(1);
    expect(ScriptedSocket.instances).toHaveLength(2);
    for (const delay of [1000, 2000, 4000, 8000, 15_000, 15_000]) {
      ScriptedSocket.last().drop();
      await advance(delay);
    }
    expect(waits.map(([, delay]) => delay)).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(waits.map(([attempt]) => attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    ScriptedSocket.last().open();
    expect(events).toEqual(['open']);
    expect(socket.readyState).toBe(ReconnectingSocket.OPEN);
    expect(socket.transport).toBe('xhr-polling');
  });

  it('fires open once, then reconnected on every later connection, and forwards messages', async () => {
    const { events } = scripted();
    ScriptedSocket.last().open();
    ScriptedSocket.last().message('one');
    const first = ScriptedSocket.last();
    first.drop();
    await advance(500);
    ScriptedSocket.last().open();
    first.message('late, from the old socket');
    ScriptedSocket.last().message('two');
    expect(events).toEqual(['open', 'message:one', 'reconnected', 'message:two']);
  });

  it('resets the attempt counter only after minUptime', async () => {
    const { waits } = scripted({ minUptime: 5000 });
    ScriptedSocket.last().drop();
    await advance(500);
    ScriptedSocket.last().open();
    await advance(4999);
    ScriptedSocket.last().drop();
    await advance(1000);
    ScriptedSocket.last().open();
    await advance(5000);
    ScriptedSocket.last().drop();
    expect(waits).toEqual([
      [1, 500],
      [2, 1000],
      [1, 500],
    ]);
  });

  it('gives up after maxRetries, with the last close', async () => {
    const { waits, events, socket } = scripted({ maxRetries: 2 });
    ScriptedSocket.last().drop();
    await advance(500);
    ScriptedSocket.last().drop();
    await advance(1000);
    ScriptedSocket.last().drop(1011, 'server error');
    expect(waits).toHaveLength(2);
    expect(events).toEqual(['error', 'close:1011']);
    expect(socket.readyState).toBe(ReconnectingSocket.CLOSED);
  });

  it.each([1000, 1008, 1009, 3000, 4999])('does not retry after close code %i', (code) => {
    const { waits, events } = scripted();
    ScriptedSocket.last().open();
    ScriptedSocket.last().drop(code);
    expect(waits).toEqual([]);
    expect(events).toEqual(['open', 'error', `close:${code}`]);
  });

  it.each([1001, 1002, 1006, 1011, 2000, 2010, 2011])('retries after close code %i', (code) => {
    const { waits } = scripted();
    ScriptedSocket.last().drop(code);
    expect(waits).toHaveLength(1);
  });

  it('queues sends while down and sends them in order on the next connection; the queue is capped', async () => {
    const { socket } = scripted({ maxBufferedAmount: 10 });
    socket.send('a');
    ScriptedSocket.last().open();
    expect(ScriptedSocket.last().sent).toEqual(['a']);
    ScriptedSocket.last().drop();
    socket.send('b');
    socket.send('cé');
    expect(socket.bufferedAmount).toBe(4);
    expect(() => socket.send('1234567')).toThrow(expect.objectContaining({ name: 'QuotaExceededError' }));
    socket.send('123456');
    await advance(500);
    ScriptedSocket.last().open();
    expect(ScriptedSocket.last().sent).toEqual(['b', 'cé', '123456']);
    expect(socket.bufferedAmount).toBe(0);
    socket.send('d');
    expect(ScriptedSocket.last().sent.at(-1)).toBe('d');
  });

  it('asks an async URL provider before every attempt, and retries when it fails', async () => {
    let calls = 0;
    const { waits, socket } = scripted({}, async () => {
      calls++;
      if (calls === 2) throw new Error('token service down');
      return `http://x.test/echo?token=${calls}`;
    });
    await advance(0);
    expect(socket.url).toBe('http://x.test/echo?token=1');
    ScriptedSocket.last().drop();
    await advance(500);
    expect(calls).toBe(2);
    expect(waits).toEqual([
      [1, 500],
      [2, 1000],
    ]);
    await advance(1000);
    expect(ScriptedSocket.last().url).toBe('http://x.test/echo?token=3');
    expect(ScriptedSocket.instances).toHaveLength(2);
  });

  it('reports why it waits in the reconnecting event', () => {
    const { socket } = scripted();
    let seen: ReconnectingEvent | undefined;
    socket.onreconnecting = (event) => {
      seen = event;
    };
    ScriptedSocket.last().drop(1001, 'Going away');
    expect(seen).toMatchObject({ attempt: 1, delay: 500, code: 1001, reason: 'Going away' });
  });

  it('close() stops a pending retry, or closes the open socket with the code given', async () => {
    const { socket, events } = scripted();
    ScriptedSocket.last().drop();
    socket.close();
    await advance(60_000);
    expect(ScriptedSocket.instances).toHaveLength(1);
    expect(events).toEqual(['close:1000']);

    const second = scripted();
    ScriptedSocket.last().open();
    second.socket.close(4000, 'done');
    expect(second.socket.readyState).toBe(ReconnectingSocket.CLOSING);
    expect(ScriptedSocket.last().closedWith).toEqual([4000, 'done']);
    ScriptedSocket.last().drop(4000, 'done');
    await advance(0);
    expect(second.events).toEqual(['open', 'close:4000']);
    expect(() => second.socket.close(1006)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
  });

  it('close() from a reconnecting listener stops the retry', async () => {
    const { socket } = scripted();
    socket.addEventListener('reconnecting', () => socket.close());
    ScriptedSocket.last().drop();
    await advance(60_000);
    expect(ScriptedSocket.instances).toHaveLength(1);
    expect(socket.readyState).toBe(ReconnectingSocket.CLOSED);
  });

  it('drives a real SockwireSocket by default (on a fake WebSocket and fetch)', async () => {
    const { http, options } = fakeEnv();
    const socket = new ReconnectingSocket('http://x.test/echo', {
      ...options,
      transports: ['websocket'],
      random: () => 0,
    });
    const events = recordEvents(socket, ['open', 'reconnecting', 'reconnected', 'message']);
    await advance(10);
    FakeWebSocket.last().frame('o');
    FakeWebSocket.last().frame('a["hi"]');
    FakeWebSocket.last().drop();
    await advance(0);
    expect(http.to('info')).toHaveLength(2);
    await advance(10);
    FakeWebSocket.last().frame('o');
    expect(events).toEqual(['open', 'message:hi', 'reconnecting:1006', 'reconnected']);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(() => new ReconnectingSocket('gopher://x', options)).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
  });
});
