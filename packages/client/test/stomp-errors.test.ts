import { FrameImpl } from '@stomp/stompjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as scriptTag from '../src/bundle-stomp.js';
import {
  classifyStompError,
  createStompClient,
  type SockwireStompConfig,
  StompPermanentError,
  StompSendError,
} from '../src/stomp.js';
import { FakeWebSocket, fakeEnv } from './support/fakes.js';

/*
 * What the STOMP client does after an ERROR: the classification (a pure function of the frame and the close
 * code), then the client on a fake WebSocket and fetch under fake timers, playing the server's side frame by
 * frame. stomp-failures.test.ts does the same against the real server.
 */

const error = (message: string | undefined, body = '', extra: Record<string, string> = {}) =>
  new FrameImpl({
    command: 'ERROR',
    headers: { ...(message === undefined ? {} : { message }), ...extra },
    body,
  });

describe('classifyStompError', () => {
  it.each([
    // @sockwire/server's ERROR summaries (stomp/session, stomp/relay)
    ['Authentication failed', 1008, 'permanent'],
    ['Access denied', 1008, 'permanent'],
    ['Frame rejected', 1008, 'permanent'],
    ['Frame rejected', 1002, 'permanent'],
    ['No handler', 1002, 'permanent'],
    ['Unknown destination', 1002, 'permanent'],
    ['Unknown subscription', 1002, 'permanent'],
    ['Missing destination header', 1002, 'permanent'],
    ['Malformed frame', 1002, 'permanent'],
    ['Version mismatch', 1002, 'permanent'],
    ['Invalid heart-beat', 1002, 'permanent'],
    ['Invalid x-stream-offset', 1002, 'permanent'],
    ['Duplicate subscription', 1002, 'permanent'],
    ['Already connected', 1002, 'permanent'],
    ['Not connected', 1002, 'permanent'],
    ['Broker not available.', 1011, 'transient'],
    ['Connection to broker closed.', 1011, 'transient'],
    ['Heart-beat timeout', 2011, 'transient'],
    ['Connect timeout', 1002, 'transient'],
    ['Internal error', 1002, 'unsure'],
    ['Quota exceeded: maxQueues', 1002, 'unsure'],
    ['Too many pending frames', 1002, 'unsure'],
    ['Too many unacknowledged messages', 1002, 'unsure'],
    ['Body too large', 1002, 'unsure'],
    ['Stream unusable', 1002, 'unsure'],
    // RabbitMQ's STOMP plugin (message header; relayed by @sockwire/server with close 1011)
    ['Bad CONNECT', 1011, 'permanent'],
    ['Access refused', 1011, 'permanent'],
    ['access_refused', 1011, 'permanent'],
    ['not_found', 1011, 'permanent'],
    ['precondition_failed', 1011, 'permanent'],
    ['Invalid destination', 1011, 'permanent'],
    ['Credential expired', 1011, 'transient'],
    ['connection_forced', 1011, 'transient'],
    ['Processing error', 1011, 'unsure'],
    ['resource_locked', 1011, 'unsure'],
    // Texts it does not know: the close code decides
    ['Nope', 1008, 'permanent'],
    ['Nope', 4001, 'permanent'],
    ['Nope', 1011, 'transient'],
    ['Nope', 2011, 'transient'],
    ['Nope', 1002, 'unsure'],
    ['Nope', 1000, 'unsure'],
    ['Unknown error', 1002, 'unsure'],
    [undefined, 1008, 'permanent'],
    [undefined, undefined, 'unsure'],
  ] as const)('%s, closed with %s: %s', (message, code, expected) => {
    expect(classifyStompError(error(message), code)).toBe(expected);
  });

  it("reads a RabbitMQ `Bad CONNECT`'s body: a connection limit is no reason to stop", () => {
    const limit = error('Bad CONNECT', 'Connection refused: node connection limit reached');
    expect(classifyStompError(limit, 1000)).toBe('unsure');
    expect(classifyStompError(error('Bad CONNECT', "Access refused for user 'guest'"), 1000)).toBe(
      'permanent',
    );
  });

  it('never reads the body otherwise (it quotes the application: a destination named /app/heartbeat)', () => {
    expect(classifyStompError(error('No handler', 'no application handler for /app/heartbeat-timeout'))).toBe(
      'permanent',
    );
  });

  it('is exposed by the <script> build (window.Sockwire) with the error class', () => {
    expect(scriptTag.classifyStompError).toBe(classifyStompError);
    expect(scriptTag.StompPermanentError).toBe(StompPermanentError);
  });
});

/** A STOMP frame as the server's SockJS layer sends it: an `a` frame carrying the text and its NUL. */
const sockjs = (frame: string) => 'a' + JSON.stringify([`${frame}\u0000`]);
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('the STOMP client after an ERROR (fake WebSocket and fetch, fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A client whose every connection is answered here; `connect()` completes the next one. */
  function stompOnFakes(config: SockwireStompConfig = {}) {
    const { http, options } = fakeEnv();
    const failures: StompPermanentError[] = [];
    const scheduled: number[] = [];
    const client = createStompClient('http://example.test/stomp', {
      socket: { ...options, transports: ['websocket'] },
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      random: () => 0.5,
      onPermanentError: (failure) => failures.push(failure),
      onReconnectScheduled: (delay) => scheduled.push(delay),
      ...config,
    });
    /** The server's side of the current connection: /info, the open frame, CONNECTED. */
    const connect = async (): Promise<FakeWebSocket> => {
      await advance(10);
      const ws = FakeWebSocket.last();
      ws.frame('o');
      await advance(0);
      ws.frame(sockjs('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n'));
      await advance(0);
      return ws;
    };
    /** The frames the client sent on `ws` that start with `command`. */
    const sent = (ws: FakeWebSocket, command: string) =>
      ws.sent.map((data) => (JSON.parse(data) as string[])[0] ?? '').filter((f) => f.startsWith(command));
    const header = (frame: string, name: string) => new RegExp(`\n${name}:([^\n]*)`).exec(frame)?.[1] ?? '';
    return { client, http, failures, scheduled, connect, sent, header };
  }

  it('stops after a permanent ERROR: one final event, no reconnect, unconfirmed sends rejected with it', async () => {
    const { client, http, failures, scheduled, connect } = stompOnFakes();
    const closes: number[] = [];
    client.onWebSocketClose = (event) => closes.push(event.code);
    client.activate();
    const ws = await connect();
    const pending = client.send('/topic/after', 'never confirmed');
    const outcome = pending.then(
      () => 'resolved',
      (reason: unknown) => reason,
    );
    ws.frame(sockjs('ERROR\nmessage:No handler\n\nno application handler for /app/orders/new'));
    ws.frame('c[1002,"No handler"]');
    await advance(0);

    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure).toBeInstanceOf(StompPermanentError);
    expect(failure?.message).toBe(
      'Sockwire STOMP: the server refused this client for good: No handler (no application handler for /app/orders/new). Not reconnecting: fix the cause, then call activate() again.',
    );
    expect(failure?.closeCode).toBe(1002);
    expect(failure?.headers.message).toBe('No handler');
    expect(client.failure).toBe(failure);
    expect(client.active).toBe(false);
    expect(await outcome).toBe(failure);
    // The application's own onWebSocketClose still runs; no reconnect is scheduled, none happens.
    expect(closes).toEqual([1002]);
    expect(scheduled).toEqual([]);
    await advance(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(http.to('info')).toHaveLength(1);

    // activate() starts afresh.
    client.activate();
    expect(client.failure).toBeUndefined();
    await connect();
    expect(client.connected).toBe(true);
    expect(http.to('info')).toHaveLength(2);
    await client.deactivate({ force: true });
  });

  it('backs off longer after each unsure ERROR, and as usual after a transient one', async () => {
    // random 0.5: a usual delay is half its window, a cautious one three quarters of a window two steps on.
    const { client, failures, scheduled, connect } = stompOnFakes({ minDelay: 1000, maxDelay: 30_000 });
    client.activate();
    let ws = await connect();
    ws.frame(sockjs('ERROR\nmessage:Internal error\n\nthe server failed to process the frame'));
    ws.frame('c[1002,"Internal error"]');
    await advance(0);
    expect(scheduled).toEqual([3000]); // window 4000
    await advance(3000);
    ws = await connect();
    ws.frame(sockjs('ERROR\nmessage:Internal error\n\nthe server failed to process the frame'));
    ws.frame('c[1002,"Internal error"]');
    await advance(0);
    expect(scheduled).toEqual([3000, 6000]); // window 8000
    await advance(6000);
    ws = await connect();
    ws.frame(sockjs('ERROR\nmessage:Broker not available.\n\nno connection to the message broker'));
    ws.frame('c[1011,"Broker not available."]');
    await advance(0);
    expect(scheduled).toEqual([3000, 6000, 2000]); // full jitter, third attempt: window 4000
    expect(client.active).toBe(true);
    expect(failures).toEqual([]);
    await client.deactivate({ force: true });
  });

  it('rejects a send the ERROR names and reconnects; keeps one named by a transient ERROR and sends it again', async () => {
    const { client, failures, scheduled, connect, sent, header } = stompOnFakes();
    client.activate();
    let ws = await connect();
    const refused = client.send('/topic/forbidden', 'a').then(
      () => 'resolved',
      (reason: unknown) => reason,
    );
    const receipt = header(sent(ws, 'SEND').at(-1) ?? '', 'receipt');
    ws.frame(
      sockjs(
        `ERROR\nmessage:Access denied\nreceipt-id:${receipt}\n\nnot allowed to send to /topic/forbidden`,
      ),
    );
    ws.frame('c[1008,"Access denied"]');
    await advance(0);
    const rejection = await refused;
    expect(rejection).toBeInstanceOf(StompSendError);
    expect((rejection as StompSendError).message).toBe('Access denied');
    // The refused send will not be repeated: nothing stands in the way of the next connection.
    expect(failures).toEqual([]);
    expect(scheduled).toHaveLength(1);
    await advance(scheduled[0] ?? 0);
    ws = await connect();
    expect(sent(ws, 'SEND')).toEqual([]);

    const kept = client.send('/topic/flaky', 'b');
    const first = sent(ws, 'SEND').at(-1) ?? '';
    ws.frame(
      sockjs(
        `ERROR\nmessage:Broker not available.\nreceipt-id:${header(first, 'receipt')}\n\nthe broker failed`,
      ),
    );
    ws.frame('c[1011,"Broker not available."]');
    await advance(0);
    expect(scheduled).toHaveLength(2);
    await advance(scheduled[1] ?? 0);
    ws = await connect();
    const again = sent(ws, 'SEND').at(-1) ?? '';
    expect(header(again, 'x-idempotency-key')).toBe(header(first, 'x-idempotency-key'));
    ws.frame(sockjs(`RECEIPT\nreceipt-id:${header(again, 'receipt')}\n\n`));
    await expect(kept).resolves.toBeUndefined();
    await client.deactivate({ force: true });
  });

  it('judges a close on its own when the connection outlived the ERROR before it', async () => {
    const { client, failures, scheduled, connect } = stompOnFakes();
    client.activate();
    const ws = await connect();
    // Some brokers send ERRORs they survive; this one stays open, and drops much later.
    ws.frame(sockjs('ERROR\nmessage:Invalid destination\n\n/foo is not a valid destination'));
    await advance(10_000);
    ws.drop();
    await advance(0);
    expect(failures).toEqual([]);
    expect(scheduled).toHaveLength(1);
    expect(client.active).toBe(true);
    await client.deactivate({ force: true });
  });

  it('lets the application classify: credentials refreshed by beforeConnect make a failed login worth retrying', async () => {
    const { client, failures, scheduled, connect } = stompOnFakes({
      classifyError: (frame) => (frame.headers.message === 'Authentication failed' ? 'transient' : undefined),
    });
    client.activate();
    const ws = await connect();
    ws.frame(sockjs('ERROR\nmessage:Authentication failed\n\ntoken expired'));
    ws.frame('c[1008,"Authentication failed"]');
    await advance(0);
    expect(failures).toEqual([]);
    expect(scheduled).toHaveLength(1);
    await client.deactivate({ force: true });
  });

  it('reports a permanent stop through console.error when no onPermanentError is given', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { client, connect } = stompOnFakes({ onPermanentError: undefined });
      client.activate();
      const ws = await connect();
      ws.frame(sockjs('ERROR\nmessage:Access denied\n\nnot allowed to subscribe to /topic/secret'));
      ws.frame('c[1008,"Access denied"]');
      await advance(0);
      expect(logged).toHaveBeenCalledWith(
        'Sockwire STOMP: the server refused this client for good: Access denied (not allowed to subscribe to /topic/secret). Not reconnecting: fix the cause, then call activate() again.',
      );
    } finally {
      logged.mockRestore();
    }
  });
});
