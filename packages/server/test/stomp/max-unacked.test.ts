import { afterEach, describe, expect, it } from 'vitest';
import {
  createStompBroker,
  type StompBroker,
  type StompBrokerOptions,
  type StompFrame,
} from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { CLOSED, type RawClient } from './support/raw-client.js';
import { tcpTarget } from './support/targets.js';
import { header, wire } from './support/test-client.js';

/*
 * `maxUnacked` (security issue 14): what a client in a client ack mode may make the server hold by never
 * acknowledging. Queues stop handing it messages at the cap and keep the rest; topics, where nothing waits,
 * end the session with an ERROR naming the option. A real broker behind a real TCP listener, in raw frames.
 */

const CAP = 5;
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 300;

const running: Array<{ broker: StompBroker; tcp: StompTcpServer }> = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.drop();
  for (const { broker, tcp } of running.splice(0)) {
    await broker.close();
    await tcp.close();
  }
});

async function start(options: StompBrokerOptions = {}) {
  const broker = createStompBroker({ maxUnacked: CAP, ...options });
  const tcp = await listenTcp({ broker, port: 0 });
  running.push({ broker, tcp });
  const target = tcpTarget('max-unacked', tcp.port);
  /** A new TCP client that has CONNECTed (STOMP 1.2, heart-beats off). */
  const connect = async () => {
    const client = await target.open();
    clients.push(client);
    client.send(wire('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' }));
    await frame(client, 'CONNECTED');
    return client;
  };
  return { broker, connect };
}

/** The next frame, which must be `command` (an ERROR's body shows in the failure). */
async function frame(client: RawClient, command: string): Promise<StompFrame> {
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) {
    throw new Error(`expected ${command}, got ${got === CLOSED ? 'the end of the connection' : 'nothing'}`);
  }
  expect(`${got.command} ${got.command === 'ERROR' ? got.body : ''}`.trim()).toBe(command);
  return got;
}

/** Send `command` with a receipt and wait for that RECEIPT. */
async function receipted(client: RawClient, command: string, headers: Record<string, string>) {
  const receipt = `r-${command}-${Object.values(headers).join('-')}`;
  client.send(wire(command, { ...headers, receipt }));
  expect(header(await frame(client, 'RECEIPT'), 'receipt-id')).toBe(receipt);
}

/** The next `count` frames, all MESSAGEs; returns their bodies. */
async function messages(client: RawClient, count: number): Promise<StompFrame[]> {
  const got: StompFrame[] = [];
  for (let i = 0; i < count; i++) got.push(await frame(client, 'MESSAGE'));
  return got;
}

/** Nothing arrives for QUIET_MS (and the connection stays open). */
async function quiet(client: RawClient): Promise<void> {
  const got = await client.next(QUIET_MS);
  expect(got === CLOSED ? 'the end of the connection' : got).toBeUndefined();
}

/** The session ends: ERROR `Too many unacknowledged messages`, naming maxUnacked and the remedy, then close. */
async function endsOverCap(client: RawClient): Promise<void> {
  const got = await client.next(5000);
  if (got === undefined || got === CLOSED) throw new Error('expected ERROR, got no frame');
  expect([got.command, header(got, 'message')]).toEqual(['ERROR', 'Too many unacknowledged messages']);
  expect(got.body).toContain(`at most ${CAP} unacknowledged messages (maxUnacked)`);
  expect(got.body).toMatch(/ACK or NACK/);
  expect(got.body).toMatch(/ack:auto/);
  expect(await client.next(5000)).toBe(CLOSED);
}

const bodies = (frames: readonly StompFrame[]) => frames.map((message) => message.body);
const numbered = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

describe('maxUnacked: messages a session may hold unacknowledged', () => {
  it('is validated like the other numeric options', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createStompBroker({ maxUnacked: bad })).toThrow(/maxUnacked/);
    }
  });

  describe.each([
    { history: 'on', options: {} },
    { history: 'off', options: { history: false } as const },
  ])('on a topic (history $history)', ({ options }) => {
    it.each(['client-individual', 'client'])(
      'ack:%s that never acks: the delivery past the cap gets ERROR naming maxUnacked, and a close',
      async (ack) => {
        const { broker, connect } = await start(options);
        const client = await connect();
        await receipted(client, 'SUBSCRIBE', { id: 's1', destination: '/topic/busy', ack });
        for (let i = 0; i < CAP; i++) await broker.publish('/topic/busy', `m${i}`);
        expect(bodies(await messages(client, CAP))).toEqual(numbered(0, CAP));
        await quiet(client);
        // One more: the session would hold CAP + 1 messages nobody waits for. It is not delivered.
        await broker.publish('/topic/busy', `m${CAP}`);
        await endsOverCap(client);
        // Nothing is kept for it: a later publish reaches no one and the broker forgot the subscription.
        await broker.publish('/topic/busy', 'after');
        expect(broker.stats().broker.consumers).toBe(0);
      },
    );

    it('the cap is per session, across its subscriptions; another session has its own', async () => {
      const { broker, connect } = await start(options);
      const client = await connect();
      const other = await connect();
      const ack = 'client-individual';
      await receipted(client, 'SUBSCRIBE', { id: 'a', destination: '/topic/a', ack });
      await receipted(client, 'SUBSCRIBE', { id: 'b', destination: '/topic/b', ack });
      await receipted(other, 'SUBSCRIBE', { id: 'a', destination: '/topic/a', ack });
      for (let i = 0; i < 3; i++) await broker.publish('/topic/a', `a${i}`);
      expect(bodies(await messages(client, 3))).toEqual(['a0', 'a1', 'a2']);
      expect(bodies(await messages(other, 3))).toEqual(['a0', 'a1', 'a2']);
      await broker.publish('/topic/b', 'b0');
      await broker.publish('/topic/b', 'b1');
      expect(bodies(await messages(client, 2))).toEqual(['b0', 'b1']);
      // The sixth unacknowledged message of `client`, on either subscription, is one too many.
      await broker.publish('/topic/b', 'b2');
      await endsOverCap(client);
      // `other` holds 3: it goes on.
      await broker.publish('/topic/a', 'a3');
      expect(bodies(await messages(other, 1))).toEqual(['a3']);
    });

    it.each(['client-individual', 'client'])(
      'ack:%s that acks keeps going far past the cap (3× the cap messages)',
      async (ack) => {
        const { broker, connect } = await start(options);
        const client = await connect();
        await receipted(client, 'SUBSCRIBE', { id: 's1', destination: '/topic/acked', ack });
        const seen: string[] = [];
        for (let i = 0; i < 3 * CAP; i++) {
          await broker.publish('/topic/acked', `m${i}`);
          const [message] = await messages(client, 1);
          seen.push(message?.body ?? '');
          // Every other message in cumulative mode: the ACK of one settles the one before it too.
          if (ack === 'client-individual' || i % 2 === 1 || i === 3 * CAP - 1) {
            await receipted(client, 'ACK', { id: header(message, 'ack') ?? '' });
          }
        }
        expect(seen).toEqual(numbered(0, 3 * CAP));
        // NACKed messages are settled too (the topic redelivers to the same subscriber; that one is ACKed).
        for (let i = 0; i < 2 * CAP; i++) {
          await broker.publish('/topic/acked', `n${i}`);
          const [message] = await messages(client, 1);
          client.send(wire('NACK', { id: header(message, 'ack') ?? '' }));
          const [again] = await messages(client, 1);
          expect([again?.body, header(again, 'redelivered')]).toEqual([`n${i}`, 'true']);
          await receipted(client, 'ACK', { id: header(again, 'ack') ?? '' });
        }
        await receipted(client, 'UNSUBSCRIBE', { id: 's1' });
      },
    );

    it('an UNSUBSCRIBE releases what its subscription held', async () => {
      const { broker, connect } = await start(options);
      const client = await connect();
      const ack = 'client-individual';
      await receipted(client, 'SUBSCRIBE', { id: 's1', destination: '/topic/u', ack });
      for (let i = 0; i < CAP; i++) await broker.publish('/topic/u', `m${i}`);
      await messages(client, CAP);
      await receipted(client, 'UNSUBSCRIBE', { id: 's1' });
      await receipted(client, 'SUBSCRIBE', { id: 's2', destination: '/topic/u', ack });
      for (let i = 0; i < CAP; i++) await broker.publish('/topic/u', `again${i}`);
      expect(bodies(await messages(client, CAP))).toEqual(Array.from({ length: CAP }, (_, i) => `again${i}`));
      await quiet(client);
    });
  });

  describe('on a queue', () => {
    it.each([
      { label: 'no prefetch-count', extra: {} as Record<string, string> },
      { label: 'a larger prefetch-count', extra: { 'prefetch-count': '100' } },
    ])(
      'ack:client with $label: the cap is its prefetch; the queue keeps the rest, nothing lost or duplicated',
      async ({ extra }) => {
        const { broker, connect } = await start();
        const client = await connect();
        await receipted(client, 'SUBSCRIBE', {
          id: 's1',
          destination: '/queue/work',
          ack: 'client',
          ...extra,
        });
        for (let i = 0; i < 3 * CAP; i++) await broker.publish('/queue/work', `m${i}`);
        const seen: string[] = [];
        for (let round = 0; round < 3; round++) {
          const batch = await messages(client, CAP);
          // Exactly the cap, then nothing until an ACK: no ERROR, the session stays.
          await quiet(client);
          seen.push(...bodies(batch));
          // Cumulative: the last one settles the whole batch, and the queue hands over the next.
          client.send(wire('ACK', { id: header(batch.at(-1), 'ack') ?? '' }));
        }
        expect(seen).toEqual(numbered(0, 3 * CAP));
        await quiet(client);
        expect(broker.stats().broker.queued).toBe(0);
      },
    );

    it('the queue keeps what a capped subscriber cannot take for another subscriber', async () => {
      const { broker, connect } = await start();
      const slow = await connect();
      await receipted(slow, 'SUBSCRIBE', { id: 's', destination: '/queue/shared', ack: 'client-individual' });
      for (let i = 0; i < 3 * CAP; i++) await broker.publish('/queue/shared', `m${i}`);
      const held = bodies(await messages(slow, CAP));
      await quiet(slow);
      expect(broker.stats().broker.queued).toBe(2 * CAP);
      const fast = await connect();
      // The queue hands over what it kept as the SUBSCRIBE is processed, before any RECEIPT: none asked.
      fast.send(wire('SUBSCRIBE', { id: 'f', destination: '/queue/shared' }));
      const rest = bodies(await messages(fast, 2 * CAP));
      expect([...held, ...rest].sort()).toEqual(numbered(0, 3 * CAP).sort());
      await quiet(fast);
    });

    it('a smaller prefetch-count still wins', async () => {
      const { broker, connect } = await start();
      const client = await connect();
      await receipted(client, 'SUBSCRIBE', {
        id: 's1',
        destination: '/queue/small',
        ack: 'client',
        'prefetch-count': '2',
      });
      for (let i = 0; i < 3 * CAP; i++) await broker.publish('/queue/small', `m${i}`);
      expect(bodies(await messages(client, 2))).toEqual(['m0', 'm1']);
      await quiet(client);
    });
  });

  describe('ack:auto is unaffected (nothing is tracked)', () => {
    it('a topic delivers 3× the cap with no ACK and the session stays', async () => {
      const { broker, connect } = await start();
      const client = await connect();
      await receipted(client, 'SUBSCRIBE', { id: 's1', destination: '/topic/auto' });
      for (let i = 0; i < 3 * CAP; i++) await broker.publish('/topic/auto', `m${i}`);
      const got = await messages(client, 3 * CAP);
      expect(bodies(got)).toEqual(numbered(0, 3 * CAP));
      expect(got.every((message) => header(message, 'ack') === undefined)).toBe(true);
      await receipted(client, 'UNSUBSCRIBE', { id: 's1' });
    });

    it('a queue hands over everything it holds, not only the cap', async () => {
      const { broker, connect } = await start();
      const client = await connect();
      await receipted(client, 'SUBSCRIBE', { id: 's1', destination: '/queue/auto', ack: 'auto' });
      for (let i = 0; i < 3 * CAP; i++) await broker.publish('/queue/auto', `m${i}`);
      expect(bodies(await messages(client, 3 * CAP))).toEqual(numbered(0, 3 * CAP));
      await quiet(client);
    });
  });
});
