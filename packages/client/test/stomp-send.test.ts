import type { InboundInterceptor, OutboundInterceptor, StompFrame } from '@sockwire/server';
import { waitFor, within } from '@sockwire/test-support/wait';
import { afterEach, describe, expect, it } from 'vitest';
import * as scriptTag from '../src/bundle-stomp.js';
import * as stompEntry from '../src/stomp.js';
import { StompSendError } from '../src/stomp.js';
import {
  ConnectCounter,
  numbered,
  Received,
  StompClients,
  type StompTransport,
} from './support/stomp-clients.js';
import { type BrokerSetup, StompTestServer } from './support/stomp-server.js';

/*
 * Confirmed sends (`client.send()`) against the real broker over a real HTTP server: resolved on the RECEIPT,
 * kept while disconnected, sent again after a cut until confirmed (same x-idempotency-key, so the server
 * publishes once), in order, bounded, and rejected when the server refuses one or the client is deactivated.
 * Tests marked "(dedupe)" rely on the server deduplicating re-sent keys.
 */

const TRANSPORTS: StompTransport[] = ['websocket', 'xhr-streaming', 'xhr-polling'];

let server: StompTestServer | null = null;
const clients = new StompClients();

afterEach(async () => {
  await clients.deactivateAll();
  await server?.stop();
  server = null;
});

function header(frame: StompFrame, name: string): string | undefined {
  return frame.headers.find(([key]) => key === name)?.[1];
}

/** `/app/record` runs a handler that notes each run and republishes the body on `/topic/record`. */
function recordHandler(runs: string[]): BrokerSetup {
  return (broker) => {
    broker.onMessage('/record', (context) => {
      runs.push(context.body);
      return context.body;
    });
  };
}

/**
 * Loses the RECEIPT of the first SEND of each of `bodies` (and every later RECEIPT of that session), then drops
 * the connection: the server has handled the SEND but the client cannot know it.
 */
function receiptCutter(bodies: string[]): { inbound: InboundInterceptor; outbound: OutboundInterceptor } {
  const waiting = new Set(bodies);
  const doomed = new Map<string, string>(); // receipt id of a SEND to lose → its session
  const cutting = new Set<string>(); // sessions whose RECEIPTs are all lost now
  return {
    inbound: (frame, session) => {
      if (frame.command !== 'SEND' || !waiting.delete(frame.body)) return undefined;
      doomed.set(header(frame, 'receipt') ?? '', session.id);
    },
    outbound: (frame, session) => {
      if (frame.command !== 'RECEIPT') return undefined;
      if (doomed.delete(header(frame, 'receipt-id') ?? '')) {
        cutting.add(session.id);
        setImmediate(() => server?.connections.get(session.id)?.destroy());
      }
      return cutting.has(session.id) ? null : undefined;
    },
  };
}

/** Settles into `outcome` so that a test can look at a promise without awaiting it. */
function track(promise: Promise<void>): { outcome: 'pending' | 'resolved' | Error } {
  const state: { outcome: 'pending' | 'resolved' | Error } = { outcome: 'pending' };
  promise.then(
    () => {
      state.outcome = 'resolved';
    },
    (error: Error) => {
      state.outcome = error;
    },
  );
  return state;
}

describe.each(TRANSPORTS)('send() over %s', (transport) => {
  it('resolves on the RECEIPT of a SEND that carries a receipt and a key unique per message', async () => {
    const sends: StompFrame[] = [];
    const seeSends: InboundInterceptor = (frame) => {
      if (frame.command === 'SEND') sends.push(frame);
    };
    server = await new StompTestServer({ interceptors: { inbound: [seeSends] } }).start();
    const c = clients.make(server.url, transport);
    const topic = new Received();
    c.subscribe('/topic/s', topic.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await within(Promise.all([c.send('/topic/s', 'one'), c.send('/topic/s', 'two', { x: 'y' })]), 'send()s');
    await topic.until('two');
    expect(topic.events).toEqual(['one', 'two']);
    expect(topic.messages[1]?.headers.x).toBe('y');
    const keys = sends.map((frame) => header(frame, 'x-idempotency-key'));
    expect(keys[0]).toMatch(/^[0-9a-f]{24}-\d+$/);
    expect(new Set(keys).size).toBe(2);
    expect(sends.every((frame) => header(frame, 'receipt') !== undefined)).toBe(true);
  });

  it('keeps a send made while disconnected and resolves it once sent after the reconnect', async () => {
    server = await new StompTestServer().start();
    const c = clients.make(server.url, transport);
    const topic = new Received();
    c.subscribe('/topic/s', topic.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await server.down();
    await connects.lost();
    const sent = track(c.send('/topic/s', 'while away'));
    expect(sent.outcome).toBe('pending');
    await server.up();
    await connects.reached(2);
    await waitFor(() => sent.outcome !== 'pending', 'the send to settle');
    expect(sent.outcome).toBe('resolved');
    await server.broker?.publish('/topic/s', 'end');
    await topic.until('end');
    expect(topic.events).toEqual(['while away', 'end']);
  });

  it('sends again after a cut that lost the RECEIPT, and the handler runs once (dedupe)', async () => {
    const runs: string[] = [];
    const cutter = receiptCutter(['lost receipt']);
    server = await new StompTestServer(
      { interceptors: { inbound: [cutter.inbound], outbound: [cutter.outbound] } },
      recordHandler(runs),
    ).start();
    const c = clients.make(server.url, transport);
    const record = new Received();
    c.subscribe('/topic/record', record.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    const sent = within(c.send('/app/record', 'lost receipt'), 'the send to be confirmed');
    await connects.reached(2);
    await sent;
    await c.send('/app/record', 'end');
    await record.until('end');
    expect(runs).toEqual(['lost receipt', 'end']);
    expect(record.events).toEqual(['lost receipt', 'end']);
  });

  it('keeps the order of 200 sends through cuts, each published once, as a subscriber sees them (dedupe)', async () => {
    const runs: string[] = [];
    // Handled with their RECEIPTs lost (and of those after them on the same connection), then a cut.
    const cutter = receiptCutter(['30', '110', '170']);
    server = await new StompTestServer(
      { interceptors: { inbound: [cutter.inbound], outbound: [cutter.outbound] } },
      recordHandler(runs),
    ).start();
    const sender = clients.make(server.url, transport);
    const subscriber = clients.make(server.url, transport);
    const record = new Received();
    subscriber.subscribe('/topic/record', record.take);
    const senderConnects = new ConnectCounter(sender);
    const subscriberConnects = new ConnectCounter(subscriber);
    sender.activate();
    subscriber.activate();
    await Promise.all([senderConnects.reached(1), subscriberConnects.reached(1)]);
    await subscriber.send('/topic/sync', 'sync');

    const sends: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      sends.push(sender.send('/app/record', String(i)));
      // Cuts of both connections from here, with the sends just made still in the client's hands.
      if (i === 79) server.cut();
      // Waiting here lets reconnects and re-sends interleave with the sends still to come.
      if (i === 99) await within(sends[60] as Promise<void>, 'send 60');
      if (i === 139) await within(sends[125] as Promise<void>, 'send 125');
    }
    await within(Promise.all(sends), 'every send to be confirmed', 15_000);
    // The first connection, the cut at 79, and one cut per lost RECEIPT.
    expect(senderConnects.count).toBeGreaterThanOrEqual(5);
    await server.broker?.publish('/topic/record', 'end');
    await record.until('end');
    expect(runs).toEqual(numbered('', 200));
    expect(record.events).toEqual([...numbered('', 200), 'end']);
  });
});

describe('send()', () => {
  it('queues sends before activate(), and past maxPendingSends rejects at once naming the option', async () => {
    server = await new StompTestServer().start();
    const c = clients.make(server.url, 'websocket', { maxPendingSends: 3 });
    const topic = new Received();
    c.subscribe('/topic/s', topic.take);
    const queued = ['a', 'b', 'c'].map((body) => c.send('/topic/s', body));
    await expect(c.send('/topic/s', 'd')).rejects.toThrow(/maxPendingSends: 3/);
    c.activate();
    await within(Promise.all(queued), 'the queued sends');
    await within(c.send('/topic/s', 'e'), 'a send once there is room again');
    await topic.until('e');
    expect(topic.events).toEqual(['a', 'b', 'c', 'e']);
  });

  it("rejects only the send the server refuses (ERROR naming its receipt), with the server's message", async () => {
    server = await new StompTestServer({
      authorize: (_principal, action, destination) =>
        !(action === 'send' && destination === '/topic/forbidden'),
    }).start();
    const c = clients.make(server.url, 'websocket');
    const errors: string[] = [];
    c.onStompError = (frame) => errors.push(frame.headers.message ?? '');
    const topic = new Received();
    c.subscribe('/topic/ok', topic.take);
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    const before = c.send('/topic/ok', 'before');
    const refused = c.send('/topic/forbidden', 'refused');
    const after = c.send('/topic/ok', 'after');
    const error = await within(
      refused.then(
        () => new Error('resolved'),
        (reason: Error) => reason,
      ),
      'the refused send to settle',
    );
    expect(error).toBeInstanceOf(StompSendError);
    expect(error.message).toBe('Access denied');
    expect((error as StompSendError).headers['receipt-id']).toBeDefined();
    await within(Promise.all([before, after]), 'the other sends');
    expect(errors).toEqual(['Access denied']);
    await c.send('/topic/ok', 'end');
    await topic.until('end');
    expect(topic.events).toEqual(['before', 'after', 'end']);
  });

  it('is exposed by the <script> build (window.Sockwire) as by the ESM entry', () => {
    expect(Object.keys(stompEntry)).toEqual(
      expect.arrayContaining(['StompSendError', 'DEFAULT_MAX_PENDING_SENDS']),
    );
    const exposed = new Map<string, unknown>(Object.entries(scriptTag));
    for (const [name, value] of Object.entries(stompEntry)) expect(exposed.get(name), name).toBe(value);
  });

  it('rejects what is still unconfirmed when deactivate() ends the client', async () => {
    server = await new StompTestServer().start();
    const c = clients.make(server.url, 'websocket');
    const connects = new ConnectCounter(c);
    c.activate();
    await connects.reached(1);
    await server.down();
    await connects.lost();
    const pending = track(c.send('/topic/s', 'never'));
    await c.deactivate();
    await waitFor(() => pending.outcome !== 'pending', 'the send to settle');
    expect(pending.outcome).toBeInstanceOf(Error);
    expect((pending.outcome as Error).message).toMatch(/deactivate\(\).*before the server confirmed/);
  });
});
