import { describe, expect, it } from 'vitest';
import { SockwireSocket } from '../src/index.js';
import { FakeEventSource, type FakeRequest, fakeEnv, recordEvents } from './support/fakes.js';
import { advance, overHttp, sessionOf, URL_, useFakeTimers } from './support/open-fake.js';

useFakeTimers();

describe('sending over HTTP (fake fetch, fake timers)', () => {
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

  it("says why the server refused an xhr_send or a poll: the start of the response's body", async () => {
    const refusal =
      'Sockwire: this session belongs to the client that opened it, and this request did not carry its session key (sw_key). Open a new session instead.\n';
    const { socket, http } = await overHttp('xhr-streaming');
    http.autoSend = false;
    const reasons: string[] = [];
    socket.onclose = (e) => reasons.push(e.reason);
    socket.send('a');
    http.last('xhr_send').reply(403, refusal);
    await advance(0);
    expect(reasons).toEqual([`xhr_send failed: HTTP 403 ${refusal.trim()}`]);

    const polling = await overHttp('xhr-polling');
    polling.socket.onclose = (e) => reasons.push(e.reason);
    polling.http.last('xhr').reply(403, refusal);
    await advance(0);
    expect(reasons.at(-1)).toBe(`xhr failed: HTTP 403 ${refusal.trim()}`);
  });
});

describe('receiving over HTTP (fake fetch and EventSource, fake timers)', () => {
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

  it('closes with 1009 when a streamed frame passes the 16 MiB line limit, and says which request', async () => {
    const { socket, first, events } = await overHttp('xhr-streaming');
    let reason = '';
    socket.addEventListener('close', (event) => {
      reason = (event as CloseEvent).reason;
    });
    first.push('a["' + 'x'.repeat(16 * 1024 * 1024));
    await advance(0);
    expect(events).toEqual(['open', 'error', 'close:1009']);
    expect(reason).toBe('xhr_streaming failed: Frame over 16777216 characters');
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
    expect(first.url).toMatch(/\/eventsource\?sw_key=new$/);
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
