import { ManualClock } from '@sockwire/test-support/manual-clock';
import { nodeEnv, WebSocket } from '@sockwire/test-support/node-env';
import { waitFor, within } from '@sockwire/test-support/wait';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SockwireSocket, type SockwireSocketOptions, type TransportName } from '../src/index.js';
import { ReconnectingSocket } from '../src/reconnect.js';
import { startBufferingProxy } from './support/buffering-proxy.js';
import { type EchoServer, SERVERS, startEchoServer } from './support/echo-servers.js';
import {
  asciiOfSize,
  CLOSE_REQUEST,
  closed,
  echo,
  echoScenario,
  nextMessages,
  open,
  orderedBurst,
  trickyText,
} from './support/scenarios.js';

/*
 * Every transport against both servers, over real sockets on ephemeral ports.
 */

const TRANSPORTS: readonly TransportName[] = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'];

describe.each(SERVERS)('against %s', (_name, install) => {
  let server: EchoServer;
  beforeAll(async () => {
    server = await startEchoServer(install);
  });
  afterAll(() => server.stop());

  describe.each(TRANSPORTS)('over %s', (transport) => {
    const options: SockwireSocketOptions = { ...nodeEnv, transports: [transport] };

    it('opens, reports its transport and echoes ASCII, multi-byte text and every escaped character', async () => {
      const socket = await open(SockwireSocket, server.url, options);
      expect(socket.transport).toBe(transport);
      const texts = trickyText();
      expect(await echo(socket, texts)).toEqual(texts);
      // Lone surrogates cannot be UTF-8 encoded; the JSON escaping carries them anyway.
      expect(await echo(socket, ['\ud800 lone \udfff'])).toEqual(['\ud800 lone \udfff']);
      socket.close();
    });

    it('echoes messages from 1 byte to 1 MB', async () => {
      const socket = await open(SockwireSocket, server.url, options);
      for (const size of [1, 10, 100, 1000, 10_000, 100_000, 1_000_000]) {
        const [reply] = await echo(socket, [asciiOfSize(size)]);
        expect(reply?.length).toBe(size);
      }
      socket.close();
    });

    it('keeps 10,000 messages in order', async () => {
      const socket = await open(SockwireSocket, server.url, options);
      expect(await orderedBurst(socket, 10_000)).toEqual([]);
      socket.close();
    });

    it('surfaces a server-initiated close with its code and reason', async () => {
      const socket = await open(SockwireSocket, server.url, options);
      const info = closed(socket);
      socket.send(CLOSE_REQUEST);
      expect(await info).toEqual({ code: 3000, reason: 'Go away!', wasClean: true });
      expect(socket.readyState).toBe(SockwireSocket.CLOSED);
    });

    it('passes the page-side echo scenario', async () => {
      expect(await echoScenario(SockwireSocket, server.url, options)).toEqual({
        transport,
        mismatches: [],
        close: { code: 1000, reason: 'Normal closure', wasClean: true },
      });
    });

    it('closes cleanly from the client side', async () => {
      const socket = await open(SockwireSocket, server.url, options);
      const info = closed(socket);
      socket.close(4000, 'done');
      expect(await info).toEqual({ code: 4000, reason: 'done', wasClean: true });
    });
  });

  it('falls back on its own when the runtime has no WebSocket', async () => {
    // Node 22 and later have a global WebSocket: take it away, as an older runtime would not have one.
    vi.stubGlobal('WebSocket', undefined);
    try {
      const socket = await open(SockwireSocket, server.url, { EventSource: nodeEnv.EventSource });
      expect(socket.transport).toBe('xhr-streaming');
      expect(await echo(socket, ['fallback'])).toEqual(['fallback']);
      socket.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('closes with 1002 when nothing answers at the URL', async () => {
    const socket = new SockwireSocket(server.url.replace('/echo', '/nowhere'), nodeEnv);
    expect(await closed(socket)).toMatchObject({ code: 1002, wasClean: false });
  });
});

describe.each(SERVERS)('%s configured differently', (name, install) => {
  it('without WebSocket support: the client learns it from /info and falls back', async () => {
    const server = await startEchoServer(install, { websocket: false });
    try {
      const socket = await open(SockwireSocket, server.url, nodeEnv);
      expect(socket.transport).toBe('xhr-streaming');
      socket.close();
    } finally {
      await server.stop();
    }
  });

  it.each(TRANSPORTS)('with fast heartbeats and a small response limit, %s stays up', async (transport) => {
    const server = await startEchoServer(install, {
      heartbeatDelay: 50,
      responseLimit: 4096,
      jsessionid: true,
    });
    try {
      const socket = await open(SockwireSocket, server.url, {
        ...nodeEnv,
        transports: [transport],
        heartbeatTimeout: 400,
      });
      let beats = 0;
      let closes = 0;
      socket.addEventListener('heartbeat', () => beats++);
      socket.addEventListener('close', () => closes++);
      const messages = Array.from({ length: 50 }, (_, i) => `${i}:${'z'.repeat(500)}`);
      expect(await echo(socket, messages)).toEqual(messages);
      if (name === 'sockjs-node' && transport === 'websocket') {
        // sockjs-node keeps a WebSocket alive with pings, which script never sees, instead of `h` frames:
        // the socket must not take that silence for a dead server. Silence is no event to wait for, so this
        // waits out more than the 400 ms heartbeat timeout, then checks that nothing happened.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(beats).toBe(0);
      } else {
        // Ten more beats, 50 ms apart at the least, outlast the 400 ms heartbeat timeout.
        const before = beats;
        await waitFor(
          () => beats >= before + 10 || closes > 0,
          () => `10 more heart-beats (got ${beats - before})`,
        );
        expect(beats - before).toBeGreaterThanOrEqual(10);
      }
      expect(closes).toBe(0);
      expect(socket.readyState).toBe(SockwireSocket.OPEN);
      socket.close();
    } finally {
      await server.stop();
    }
  });

  it.each(TRANSPORTS)('survives a restart over %s with ReconnectingSocket', async (transport) => {
    const server = await startEchoServer(install);
    try {
      const socket = new ReconnectingSocket(server.url, {
        ...nodeEnv,
        transports: [transport],
        minDelay: 50,
        maxDelay: 200,
      });
      const opened = new Promise((resolve) => socket.addEventListener('open', resolve));
      await opened;
      expect(socket.transport).toBe(transport);
      const codes: number[] = [];
      socket.addEventListener('reconnecting', (event) =>
        codes.push((event as Event & { code: number }).code),
      );
      const reconnected = new Promise((resolve) => socket.addEventListener('reconnected', resolve));
      await server.stop();
      await waitFor(() => codes.length > 0, 'a reconnecting event after the server stopped');
      expect(codes.length).toBeGreaterThan(0);
      // Sent while down: queued, delivered after the reconnect.
      const reply = nextMessages(socket as unknown as Parameters<typeof nextMessages>[0], 1);
      socket.send('queued while down');
      await server.start();
      await reconnected;
      expect(await reply).toEqual(['queued while down']);
      socket.close();
    } finally {
      await server.stop();
    }
  });
});

describe.each(SERVERS)('%s behind hostile networks', (_name, install) => {
  /** sockjs-client's WebSocket timeout is at least 2 x 300 ms whatever the round-trip time. */
  const SOCKJS_CLIENT_MIN_WS_TIMEOUT = 600;
  /** The head start of an attempt, 3 x RTT + 100 ms, on a clock that stands still while /info runs (RTT 0). */
  const HEAD_START = 100;

  it.each(['refuse', 'stall'] as const)(
    'falls back fast when a proxy does %s the WebSocket upgrade',
    async (upgrade) => {
      const server = await startEchoServer(install, { upgrade });
      try {
        // The socket's time moves only when the test moves it, so no connect timeout can end an attempt
        // unless the test lets that much fake time pass.
        const clock = new ManualClock();
        let webSockets = 0;
        class CountedWebSocket extends WebSocket {
          constructor(url: string) {
            super(url);
            webSockets++;
          }
        }
        const opening = open(SockwireSocket, server.url, { ...nodeEnv, WebSocket: CountedWebSocket, clock });
        if (upgrade === 'stall') {
          // Nothing ever answers the upgrade: the head start is what starts the next transport beside it.
          await waitFor(() => webSockets === 1, 'the WebSocket attempt');
          clock.advance(HEAD_START);
        }
        // A refused upgrade fails the attempt at once: the next transport starts with no fake time passing.
        const socket = await within(
          opening,
          `the socket to open with the clock held at ${clock.elapsed} ms (its connect timeout is at least ${SOCKJS_CLIENT_MIN_WS_TIMEOUT} ms)`,
        );
        expect(socket.transport).toBe('xhr-streaming');
        expect(webSockets).toBe(1);
        expect(clock.elapsed).toBe(upgrade === 'stall' ? HEAD_START : 0);
        expect(clock.elapsed).toBeLessThan(SOCKJS_CLIENT_MIN_WS_TIMEOUT);
        expect(await echo(socket, ['through'])).toEqual(['through']);
        socket.close();
      } finally {
        await server.stop();
      }
    },
  );

  it('ends up on xhr-polling behind a proxy that buffers whole responses', async () => {
    const server = await startEchoServer(install);
    const proxy = await startBufferingProxy(server.url);
    try {
      const socket = await open(SockwireSocket, proxy.url, nodeEnv);
      expect(socket.transport).toBe('xhr-polling');
      const messages = trickyText();
      expect(await echo(socket, messages)).toEqual(messages);
      socket.close();
    } finally {
      await proxy.stop();
      await server.stop();
    }
  });
});
