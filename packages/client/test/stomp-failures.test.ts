import { BrokerFailure, StompRejection } from '@sockwire/server';
import { waitFor, within } from '@sockwire/test-support/wait';
import { afterEach, describe, expect, it } from 'vitest';
import { type SockwireStompClient, type SockwireStompConfig, StompPermanentError } from '../src/stomp.js';
import { StompClients, type StompTransport } from './support/stomp-clients.js';
import { StompTestServer } from './support/stomp-server.js';

/*
 * The STOMP client against the real broker after an ERROR: it stops for good, with one final event, when the
 * server would refuse the same thing again (an `/app` destination without a handler, access denied, bad
 * credentials), and keeps reconnecting, with its backoff, when the server is only unavailable for now or cannot
 * say. stomp-errors.test.ts covers the same on fakes, with exact delays.
 */

const TRANSPORTS: StompTransport[] = ['websocket', 'xhr-streaming', 'xhr-polling'];

let server: StompTestServer | null = null;
const clients = new StompClients();

afterEach(async () => {
  await clients.deactivateAll();
  await server?.stop();
  server = null;
});

/** A client that records its permanent failures and scheduled delays. */
function recorded(url: string, transport: StompTransport, config: SockwireStompConfig = {}) {
  const failures: StompPermanentError[] = [];
  const delays: number[] = [];
  const client = clients.make(url, transport, {
    onPermanentError: (failure) => failures.push(failure),
    onReconnectScheduled: (delay) => delays.push(delay),
    ...config,
  });
  return { client, failures, delays };
}

/** Resolves with the first permanent failure. */
const stopped = (failures: StompPermanentError[], client: SockwireStompClient) =>
  waitFor(() => failures.length > 0, 'the client to stop').then(() => {
    expect(client.active).toBe(false);
    return failures[0] as StompPermanentError;
  });

/**
 * The client's CONNECTs so far, once the server has had time to see another: the longest backoff of these clients
 * (maxDelay 100 ms) several times over. (A test of something that must not happen needs a wait; this one is short.)
 */
async function connectsAfterAWhile(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 400));
  return server?.broker?.stats().framesIn.CONNECT ?? 0;
}

describe.each(TRANSPORTS)('the STOMP client after an ERROR, over %s (real server)', (transport) => {
  it('stops for good after a SEND to an /app destination with no handler, and rejects what is unconfirmed', async () => {
    server = await new StompTestServer().start();
    const { client, failures, delays } = recorded(server.url, transport);
    let unconfirmed: Promise<unknown> = Promise.resolve();
    client.onConnect = () => {
      // No handler for it on this server (a typo, or the handler not deployed): the server says so.
      client.publish({ destination: '/app/orders/new', body: 'hello' });
      unconfirmed = client.send('/topic/after', 'never confirmed').then(
        () => 'resolved',
        (reason: unknown) => reason,
      );
    };
    client.activate();
    const failure = await stopped(failures, client);
    expect(failure).toBeInstanceOf(StompPermanentError);
    expect(failure.message).toBe(
      'Sockwire STOMP: the server refused this client for good: No handler (no application handler for /app/orders/new). Not reconnecting: fix the cause, then call activate() again.',
    );
    expect(client.failure).toBe(failure);
    expect(await within(unconfirmed, 'the unconfirmed send to settle')).toBe(failure);
    expect(failures).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(await connectsAfterAWhile()).toBe(1);
  });

  it('stops for good when authorize refuses a subscription (Access denied)', async () => {
    server = await new StompTestServer({
      authorize: (_principal, action, destination) =>
        !(action === 'subscribe' && destination === '/topic/secret'),
    }).start();
    const { client, failures } = recorded(server.url, transport);
    client.subscribe('/topic/secret', () => {});
    client.activate();
    const failure = await stopped(failures, client);
    expect(failure.headers.message).toBe('Access denied');
    expect(failure.closeCode).toBe(1008);
    expect(await connectsAfterAWhile()).toBe(1);
  });

  it('stops for good on credentials the server refuses (Authentication failed)', async () => {
    server = await new StompTestServer({
      authenticate: (headers) => {
        const header = (name: string) => headers.find(([key]) => key === name)?.[1];
        if (header('passcode') !== 'right') throw new StompRejection('unknown login or wrong passcode');
        return { name: header('login') ?? 'anonymous' };
      },
    }).start();
    const { client, failures } = recorded(server.url, transport, {
      connectHeaders: { login: 'ana', passcode: 'wrong' },
    });
    client.activate();
    const failure = await stopped(failures, client);
    expect(failure.message).toBe(
      'Sockwire STOMP: the server refused this client for good: Authentication failed (unknown login or wrong passcode). Not reconnecting: fix the cause, then call activate() again.',
    );
    expect(await connectsAfterAWhile()).toBe(1);

    // Fixed, and activated again: it connects.
    client.configure({ connectHeaders: { login: 'ana', passcode: 'right' } });
    const connected = new Promise<void>((resolve) => {
      client.onConnect = () => resolve();
    });
    client.activate();
    await within(connected, 'the second activation to connect');
    expect(client.failure).toBeUndefined();
  });

  it('keeps reconnecting after a transient ERROR (the broker failed), and sends what it named again', async () => {
    let failOnce = true;
    server = await new StompTestServer({
      interceptors: {
        inbound: [
          (frame) => {
            if (frame.command !== 'SEND' || !failOnce) return undefined;
            failOnce = false;
            throw new BrokerFailure('the broker is restarting');
          },
        ],
      },
    }).start();
    const { client, failures, delays } = recorded(server.url, transport);
    let connects = 0;
    client.onConnect = () => {
      connects += 1;
    };
    client.activate();
    await waitFor(() => connects === 1, 'the first CONNECTED');
    // The server ends the session with ERROR "Broker not available." naming this send; the send is kept.
    await within(client.send('/topic/flaky', 'once'), 'the send to be confirmed after the reconnect');
    expect(connects).toBe(2);
    expect(failures).toEqual([]);
    // The usual full-jitter backoff: the first window is minDelay (20 ms).
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeLessThan(20);
  });

  it('keeps reconnecting after an ERROR it cannot judge (a handler that throws), waiting longer each time', async () => {
    server = await new StompTestServer({}, (broker) => {
      broker.onMessage('/crash', () => {
        throw new Error('a bug in the handler');
      });
    }).start();
    // random 0: a cautious delay is half the window two steps on (20 ms x 2^(n+2)), capped by maxDelay.
    const { client, failures, delays } = recorded(server.url, transport, { random: () => 0, maxDelay: 1000 });
    client.onConnect = () => client.publish({ destination: '/app/crash', body: 'boom' });
    client.activate();
    await waitFor(
      () => delays.length >= 3,
      () => `three reconnects (so far ${delays.join(', ')})`,
    );
    expect(delays.slice(0, 3)).toEqual([40, 80, 160]);
    expect(failures).toEqual([]);
    expect(client.active).toBe(true);
  });
});
