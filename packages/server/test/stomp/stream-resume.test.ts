import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StompFrame, StompPrincipal } from '../../src/stomp/index.js';
import {
  headerValues,
  offsetOf,
  Peer,
  range,
  type Stack,
  startStack,
  type TransportKind,
} from './support/stream-peers.js';
import { header } from './support/test-client.js';

/*
 * Stream history and resume (x-stream-offset / x-stream-epoch) end to end: real STOMP clients over TCP, a raw
 * WebSocket and SockJS's WebSocket transport, against the embedded in-memory broker.
 */

const authenticate = (headers: readonly (readonly [string, string])[]): StompPrincipal | undefined => {
  const login = headers.find(([name]) => name === 'login')?.[1];
  return login === undefined ? undefined : { name: login };
};
const authorize = async (_: unknown, action: string, destination: string) =>
  !(action === 'subscribe' && destination === '/topic/secret');

const bodies = (frames: StompFrame[]) => frames.map((frame) => frame.body);
const offsets = (frames: StompFrame[]) => frames.map(offsetOf);
const epochs = (frames: StompFrame[]) => [...new Set(frames.map((f) => header(f, 'x-stream-epoch')))];
const gaps = (frames: StompFrame[]) => frames.filter((f) => header(f, 'x-stream-gap') !== undefined);
const named = (prefix: string, n: number, from = 0) => range(from, n).map((i) => `${prefix}${i}`);
/** The gap MESSAGE's stream headers, absent ones as undefined. */
const gapHeaders = (frame: StompFrame | undefined) =>
  [
    'x-stream-gap',
    'x-stream-gap-requested',
    'x-stream-gap-resumed-at',
    'x-stream-epoch',
    'x-stream-offset',
  ].map((name) => (frame === undefined ? 'no frame' : header(frame, name)));

let shared: Stack;
const extra: Stack[] = [];
beforeAll(async () => {
  shared = await startStack({ authenticate, authorize });
});
afterEach(async () => {
  for (const stack of extra.splice(0)) await stack.close();
});
afterAll(() => shared.close());

async function stackWith(options: Parameters<typeof startStack>[0]): Promise<Stack> {
  const stack = await startStack(options);
  extra.push(stack);
  return stack;
}

const open = (kind: TransportKind, headers: Record<string, string> = {}, stack = shared) =>
  Peer.open(stack.targets[kind], headers);

describe('stream offsets and epochs on MESSAGE', () => {
  it('numbers each destination from 0 with one epoch, independently of the others', async () => {
    const sub = await open('websocket');
    await sub.subscribe('a', '/topic/num.a');
    await sub.subscribe('b', '/topic/num.b');
    const pub = await open('tcp');
    const order = ['a', 'b', 'a', 'b', 'a', 'a', 'b', 'a'];
    await pub.publish('/topic/num.x', ['unrelated']);
    for (const [i, which] of order.entries()) await pub.publish(`/topic/num.${which}`, [`${which}${i}`]);
    const a = await sub.awaitMessages('a', 5);
    const b = await sub.awaitMessages('b', 3);
    expect([offsets(a), bodies(a)]).toEqual([range(0, 5), ['a0', 'a2', 'a4', 'a5', 'a7']]);
    expect([offsets(b), bodies(b)]).toEqual([range(0, 3), ['b1', 'b3', 'b6']]);
    expect([epochs(a).length, epochs(b).length]).toEqual([1, 1]);
    expect(epochs(a)[0]).toMatch(/\S/);
  });

  it('a user destination has its own numbering, and a resume sees only its own user’s history', async () => {
    const alice = await open('sockjs', { login: 'alice' });
    const bob = await open('tcp', { login: 'bob' });
    await alice.subscribe('u', '/user/queue/inbox');
    await bob.subscribe('u', '/user/queue/inbox');
    const pub = await open('websocket');
    await pub.publish('/topic/inbox-noise', ['noise']);
    await pub.publish('/user/alice/queue/inbox', named('alice-', 3));
    await pub.publish('/user/bob/queue/inbox', named('bob-', 2));
    await pub.publish('/user/alice/queue/inbox', ['alice-3']);
    const a = await alice.awaitMessages('u', 4);
    const b = await bob.awaitMessages('u', 2);
    expect([offsets(a), bodies(a), header(a[0] as StompFrame, 'destination')]).toEqual([
      range(0, 4),
      named('alice-', 4),
      '/user/queue/inbox',
    ]);
    expect([offsets(b), bodies(b)]).toEqual([range(0, 2), named('bob-', 2)]);
    expect(epochs(a)).not.toEqual(epochs(b));

    // A second session of bob resumes from the first retained message: bob's two, nothing of alice's.
    const bob2 = await open('websocket', { login: 'bob' });
    await bob2.subscribe('r', '/user/queue/inbox', { 'x-stream-offset': 'first' });
    const alice2 = await open('tcp', { login: 'alice' });
    await alice2.subscribe('r', '/user/queue/inbox', {
      'x-stream-offset': 'offset=2',
      'x-stream-epoch': epochs(a)[0] ?? '',
    });
    expect([offsets(bob2.messages('r')), bodies(bob2.messages('r'))]).toEqual([
      range(0, 2),
      named('bob-', 2),
    ]);
    expect(bodies(alice2.messages('r'))).toEqual(['alice-2', 'alice-3']);
    // An anonymous session's /user/queue/inbox is its own: nobody's history.
    const anonymous = await open('tcp');
    await anonymous.subscribe('r', '/user/queue/inbox', { 'x-stream-offset': 'first' });
    await pub.publish('/user/bob/queue/inbox', ['bob-2']);
    expect(offsets(await bob2.awaitMessages('r', 3))).toEqual(range(0, 3));
    expect(anonymous.messages('r')).toEqual([]);
  });
});

describe('other paths to a MESSAGE', () => {
  it('with an outbound interceptor, MESSAGEs and the gap carry the same stream headers', async () => {
    const seen: string[] = [];
    const stack = await stackWith({
      history: { size: 3 },
      interceptors: {
        outbound: [
          (frame) => {
            if (frame.command === 'MESSAGE')
              seen.push(header(frame, 'x-stream-gap') ?? offsetOf(frame).toString());
          },
        ],
      },
    });
    const pub = await open('tcp', {}, stack);
    await pub.publish('/topic/intercepted', named('i', 5));
    const sub = await open('sockjs', {}, stack);
    await sub.subscribe('s', '/topic/intercepted', { 'x-stream-offset': 'offset=0' });
    const [gap, ...replayed] = sub.messages('s');
    expect(gapHeaders(gap)).toEqual(['truncated', '0', '2', epochs(replayed)[0], undefined]);
    expect([offsets(replayed), seen]).toEqual([range(2, 3), ['truncated', '2', '3', '4']]);
  });

  it('SENDs in a transaction are numbered when committed, after the ones sent meanwhile', async () => {
    const sub = await open('tcp');
    await sub.subscribe('s', '/topic/tx');
    const inTx = await open('websocket');
    const outside = await open('sockjs');
    inTx.send('BEGIN', { transaction: 't' });
    for (const body of ['tx0', 'tx1'])
      inTx.send('SEND', { destination: '/topic/tx', transaction: 't' }, body);
    await outside.publish('/topic/tx', ['out0']);
    inTx.send('COMMIT', { transaction: 't', receipt: 'c' });
    await inTx.awaitReceipt('c');
    const got = await sub.awaitMessages('s', 3);
    expect([offsets(got), bodies(got)]).toEqual([range(0, 3), ['out0', 'tx0', 'tx1']]);
  });
});

describe('resume positions', () => {
  it('offset=<n> replays exactly n.. and then continues live, with or without the epoch', async () => {
    const watcher = await open('tcp');
    await watcher.subscribe('w', '/topic/mid');
    const pub = await open('websocket');
    await pub.publish('/topic/mid', named('m', 10));
    const epoch = epochs(await watcher.awaitMessages('w', 10))[0] ?? '';
    const withEpoch = await open('sockjs');
    await withEpoch.subscribe('s', '/topic/mid', { 'x-stream-offset': 'offset=4', 'x-stream-epoch': epoch });
    const without = await open('websocket');
    await without.subscribe('s', '/topic/mid', { 'x-stream-offset': 'offset=7' });
    expect(bodies(withEpoch.messages('s'))).toEqual(named('m', 6, 4));
    expect(bodies(without.messages('s'))).toEqual(named('m', 3, 7));
    await pub.publish('/topic/mid', ['m10', 'm11']);
    const got = await withEpoch.awaitMessages('s', 8);
    expect([offsets(got), bodies(got), epochs(got)]).toEqual([range(4, 8), named('m', 8, 4), [epoch]]);
    expect(offsets(await without.awaitMessages('s', 5))).toEqual(range(7, 5));
    expect([gaps(got), gaps(without.messages('s'))]).toEqual([[], []]);
  });

  it('first replays everything retained, last the newest message, next and no header nothing', async () => {
    const pub = await open('tcp');
    await pub.publish('/topic/fln', named('f', 6));
    const sub = await open('sockjs');
    await sub.subscribe('first', '/topic/fln', { 'x-stream-offset': 'first' });
    await sub.subscribe('last', '/topic/fln', { 'x-stream-offset': 'last' });
    await sub.subscribe('next', '/topic/fln', { 'x-stream-offset': 'next', 'x-stream-epoch': 'stale' });
    await sub.subscribe('plain', '/topic/fln');
    const epoch = epochs(sub.messages('first'))[0] ?? '';
    // The RECEIPT of a SUBSCRIBE tells where live delivery starts.
    const receipt = sub.frames[await sub.awaitReceipt('sub-next')] as StompFrame;
    expect([header(receipt, 'x-stream-offset'), header(receipt, 'x-stream-epoch')]).toEqual(['6', epoch]);
    expect([sub.messages('next'), sub.messages('plain')]).toEqual([[], []]);
    await pub.publish('/topic/fln', ['f6']);
    const first = await sub.awaitMessages('first', 7);
    const last = await sub.awaitMessages('last', 2);
    const next = await sub.awaitMessages('next', 1);
    const plain = await sub.awaitMessages('plain', 1);
    expect([offsets(first), bodies(first)]).toEqual([range(0, 7), named('f', 7)]);
    expect([offsets(last), bodies(last)]).toEqual([
      [5, 6],
      ['f5', 'f6'],
    ]);
    expect([offsets(next), offsets(plain)]).toEqual([[6], [6]]);
    expect(gaps(sub.frames)).toEqual([]);
  });
});

describe('gaps', () => {
  it('offset older than what is retained: a truncated gap MESSAGE, then the retained messages, then live', async () => {
    const stack = await stackWith({ history: { size: 10 } });
    const pub = await open('tcp', {}, stack);
    await pub.publish('/topic/trunc', named('t', 200));
    const sub = await open('websocket', {}, stack);
    await sub.subscribe('s', '/topic/trunc', { 'x-stream-offset': 'offset=0', ack: 'client-individual' });
    const [gap, ...replayed] = sub.messages('s');
    const epoch = header(replayed[0] as StompFrame, 'x-stream-epoch');
    expect(gapHeaders(gap)).toEqual(['truncated', '0', '190', epoch, undefined]);
    expect([gap?.body, header(gap as StompFrame, 'destination')]).toEqual(['', '/topic/trunc']);
    expect([offsets(replayed), bodies(replayed)]).toEqual([range(190, 10), named('t', 10, 190)]);
    await pub.publish('/topic/trunc', ['t200']);
    const all = await sub.awaitMessages('s', 12);
    expect(offsets(all.slice(1))).toEqual(range(190, 11));
    expect(gaps(all)).toHaveLength(1);
  });

  it('a restarted broker is a new epoch: resuming with the old one is an epoch gap, then the new messages', async () => {
    const before = await stackWith({});
    const oldPub = await open('tcp', {}, before);
    await oldPub.publish('/topic/ep', named('old', 5));
    const watcher = await open('tcp', {}, before);
    await watcher.subscribe('w', '/topic/ep', { 'x-stream-offset': 'first' });
    const oldEpoch = epochs(watcher.messages('w'))[0] ?? '';
    expect(offsets(watcher.messages('w'))).toEqual(range(0, 5));
    await before.close();

    const after = await stackWith({});
    const pub = await open('websocket', {}, after);
    await pub.publish('/topic/ep', named('new', 3));
    const sub = await open('sockjs', {}, after);
    await sub.subscribe('s', '/topic/ep', { 'x-stream-offset': 'offset=5', 'x-stream-epoch': oldEpoch });
    await sub.subscribe('e', '/topic/ep-empty', {
      'x-stream-offset': 'offset=5',
      'x-stream-epoch': oldEpoch,
    });
    const [gap, ...replayed] = sub.messages('s');
    const newEpoch = epochs(replayed)[0];
    expect(newEpoch).not.toBe(oldEpoch);
    expect(gapHeaders(gap)).toEqual(['epoch', '5', '0', newEpoch, undefined]);
    expect(bodies(replayed)).toEqual(named('new', 3));
    // Nothing retained there in the new broker: the subscription creates its numbering, and the gap names it.
    const emptyGap = sub.messages('e')[0];
    expect(gapHeaders(emptyGap).slice(0, 3)).toEqual(['epoch', '5', '0']);
    const emptyEpoch = gapHeaders(emptyGap)[3];
    expect(emptyEpoch !== undefined && emptyEpoch !== oldEpoch).toBe(true);
    await pub.publish('/topic/ep', ['new3']);
    await pub.publish('/topic/ep-empty', ['first']);
    expect(offsets((await sub.awaitMessages('s', 5)).slice(1))).toEqual(range(0, 4));
    const empty = await sub.awaitMessages('e', 2);
    expect([offsets(empty.slice(1)), epochs(empty.slice(1))[0]]).toEqual([[0], emptyEpoch]);
  });

  it('a queue, or history turned off, is a no-history gap and messages without offsets', async () => {
    const pub = await open('tcp');
    await pub.publish('/queue/nohist', ['q0', 'q1']);
    const sub = await open('websocket');
    await sub.subscribe('q', '/queue/nohist', { 'x-stream-offset': 'offset=3' });
    const queue = await sub.awaitMessages('q', 3);
    expect(gapHeaders(queue[0])).toEqual(['no-history', '3', undefined, undefined, undefined]);
    expect([bodies(queue.slice(1)), offsets(queue.slice(1))]).toEqual([
      ['q0', 'q1'],
      [Number.NaN, Number.NaN],
    ]);

    const off = await stackWith({ history: false });
    const offPub = await open('sockjs', {}, off);
    await offPub.publish('/topic/nohist', ['lost']);
    const offSub = await open('tcp', {}, off);
    await offSub.subscribe('t', '/topic/nohist', { 'x-stream-offset': 'first' });
    await offSub.subscribe('u', '/user/queue/nohist', { 'x-stream-offset': 'offset=0' });
    const receipt = offSub.frames[await offSub.awaitReceipt('sub-t')] as StompFrame;
    expect(header(receipt, 'x-stream-offset')).toBeUndefined();
    expect(gapHeaders(offSub.messages('t')[0])).toEqual([
      'no-history',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(gapHeaders(offSub.messages('u')[0])).toEqual(['no-history', '0', undefined, undefined, undefined]);
    await offPub.publish('/topic/nohist', ['live']);
    const live = await offSub.awaitMessages('t', 2);
    expect([live[1]?.body, header(live[1] as StompFrame, 'x-stream-offset')]).toEqual(['live', undefined]);
    expect([offSub.messages('t'), offSub.messages('u')].map((m) => m.length)).toEqual([2, 1]);
  });
});

describe('what a client may not do', () => {
  it('a SUBSCRIBE that may not subscribe gets ERROR and no replayed MESSAGE', async () => {
    const pub = await open('tcp');
    await pub.publish('/topic/secret', named('s', 3));
    const replayedBefore = shared.broker.stats().broker.history?.replayed;
    const sub = await open('websocket');
    sub.send('SUBSCRIBE', {
      id: 's',
      destination: '/topic/secret',
      'x-stream-offset': 'first',
      receipt: 'r',
    });
    const error = await sub.awaitError();
    expect([header(error, 'message'), error.body]).toEqual([
      'Access denied',
      'not allowed to subscribe /topic/secret',
    ]);
    await sub.until('the end of the connection', () => (sub.closed ? true : undefined));
    expect(sub.frames.map((f) => f.command)).toEqual(['CONNECTED', 'ERROR']);
    expect(shared.broker.stats().broker.history?.replayed).toBe(replayedBefore);
  });

  it('a SEND cannot forge stream headers: subscribers and resumers see the broker’s', async () => {
    const sub = await open('sockjs');
    await sub.subscribe('s', '/topic/forge');
    await sub.subscribe('q', '/queue/forge');
    const pub = await open('tcp');
    const forged = {
      'x-stream-offset': '999',
      'x-stream-epoch': 'forged',
      'x-stream-gap': 'truncated',
      'x-stream-gap-requested': '1',
      'x-stream-gap-resumed-at': '2',
      keep: 'yes',
    };
    await pub.publish('/topic/forge', ['a', 'b'], forged);
    await pub.publish('/queue/forge', ['q'], forged);
    const later = await open('websocket');
    await later.subscribe('r', '/topic/forge', { 'x-stream-offset': 'first' });
    const [queued] = await sub.awaitMessages('q', 1);
    for (const frames of [await sub.awaitMessages('s', 2), later.messages('r')]) {
      expect(frames.map((f) => headerValues(f, 'x-stream-offset'))).toEqual([['0'], ['1']]);
      expect(frames.map((f) => headerValues(f, 'x-stream-epoch')[0])).not.toContain('forged');
      expect(frames.map((f) => headerValues(f, 'x-stream-epoch').length)).toEqual([1, 1]);
      expect(frames.map((f) => f.headers.filter(([n]) => n.startsWith('x-stream-gap')))).toEqual([[], []]);
      expect(frames.map((f) => header(f, 'keep'))).toEqual(['yes', 'yes']);
    }
    expect(queued?.headers.filter(([name]) => name.startsWith('x-stream'))).toEqual([]);
    expect(header(queued as StompFrame, 'keep')).toBe('yes');
  });

  it.each(['bogus', 'FIRST', 'offset=-1', 'offset=1.5', 'offset=', ''])(
    'x-stream-offset:%s is an ERROR "Invalid x-stream-offset"',
    async (value) => {
      const sub = await open('tcp');
      sub.send('SUBSCRIBE', { id: 's', destination: '/topic/bad', 'x-stream-offset': value, receipt: 'r' });
      const error = await sub.awaitError();
      expect(header(error, 'message')).toBe('Invalid x-stream-offset');
      expect(error.body).toContain('first, last, next or offset=<n>');
      expect(sub.frames.filter((f) => f.command === 'RECEIPT' || f.command === 'MESSAGE')).toEqual([]);
    },
  );
});
