import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBroker, type MemoryBroker } from '../../src/brokers/index.js';
import type { StompFrame } from '../../src/stomp/index.js';
import { offsetOf, Peer, range, type Stack, startStack } from './support/stream-peers.js';
import { header } from './support/test-client.js';

/*
 * The history's time limit end to end: a memory broker on an injected clock behind real STOMP connections.
 * Messages older than the ttl are not replayed; a resume from before them is a truncated gap while some of the
 * stream is left, and an epoch gap (with a client-given epoch) once all of it expired, since the numbering then
 * starts over in a new epoch.
 */

let stack: Stack | undefined;
let memory: MemoryBroker | undefined;
afterEach(async () => {
  await stack?.close();
  memory?.close();
  stack = memory = undefined;
});

const offsets = (frames: StompFrame[]) => frames.map(offsetOf);
const gapOf = (frame: StompFrame | undefined) =>
  ['x-stream-gap', 'x-stream-gap-requested', 'x-stream-gap-resumed-at', 'x-stream-epoch'].map((name) =>
    frame === undefined ? 'no frame' : header(frame, name),
  );

/** A STOMP stack on a memory broker with a 10 s ttl and a clock the test moves (milliseconds). */
async function clocked() {
  const clock = { ms: 1_000_000 };
  memory = createMemoryBroker({ history: { size: 100, ttl: 10 }, now: () => clock.ms });
  stack = await startStack({ broker: memory });
  const pub = await Peer.open(stack.targets.tcp);
  const watcher = await Peer.open(stack.targets.websocket);
  await watcher.subscribe('w', '/topic/ttl');
  return { clock, pub, watcher, targets: stack.targets };
}

describe('history ttl (injected clock)', () => {
  it('expired messages are not replayed; a resume from before them is a truncated gap', async () => {
    const { clock, pub, watcher, targets } = await clocked();
    await pub.publish('/topic/ttl', ['m0', 'm1', 'm2']);
    clock.ms += 6_000;
    await pub.publish('/topic/ttl', ['m3', 'm4', 'm5']);
    const epoch = header((await watcher.awaitMessages('w', 6))[0] as StompFrame, 'x-stream-epoch') as string;
    clock.ms += 4_000; // m0..m2 are exactly 10 s old: expired. m3..m5 are 4 s old.
    const sub = await Peer.open(targets.sockjs);
    await sub.subscribe('old', '/topic/ttl', { 'x-stream-offset': 'offset=1', 'x-stream-epoch': epoch });
    await sub.subscribe('first', '/topic/ttl', { 'x-stream-offset': 'first' });
    await sub.subscribe('inside', '/topic/ttl', { 'x-stream-offset': 'offset=4', 'x-stream-epoch': epoch });
    const [gap, ...replayed] = sub.messages('old');
    expect(gapOf(gap)).toEqual(['truncated', '1', '3', epoch]);
    expect(replayed.map((f) => f.body)).toEqual(['m3', 'm4', 'm5']);
    expect(sub.messages('first').map((f) => f.body)).toEqual(['m3', 'm4', 'm5']);
    expect(offsets(sub.messages('inside'))).toEqual([4, 5]);
    clock.ms += 1_000;
    await pub.publish('/topic/ttl', ['m6']);
    expect(offsets((await sub.awaitMessages('old', 5)).slice(1))).toEqual(range(3, 4));
    expect((await watcher.awaitMessages('w', 7)).map((f) => header(f, 'x-stream-epoch'))).toEqual(
      Array(7).fill(epoch),
    );
  });

  it('once every message expired, the numbering goes on in the same epoch: resumes from before are truncated', async () => {
    const { clock, pub, watcher, targets } = await clocked();
    await pub.publish('/topic/ttl', ['m0', 'm1', 'm2']);
    const old = header((await watcher.awaitMessages('w', 3))[0] as StompFrame, 'x-stream-epoch') as string;
    clock.ms += 10_000;
    const sub = await Peer.open(targets.tcp);
    await sub.subscribe('epoch', '/topic/ttl', { 'x-stream-offset': 'offset=1', 'x-stream-epoch': old });
    await sub.subscribe('bare', '/topic/ttl', { 'x-stream-offset': 'offset=2' });
    await sub.subscribe('first', '/topic/ttl', { 'x-stream-offset': 'first' });
    await sub.subscribe('uptodate', '/topic/ttl', { 'x-stream-offset': 'offset=3', 'x-stream-epoch': old });
    expect(gapOf(sub.messages('epoch')[0])).toEqual(['truncated', '1', '3', old]);
    expect(gapOf(sub.messages('bare')[0])).toEqual(['truncated', '2', '3', old]);
    expect(sub.messages('first')).toEqual([]);
    // A client that had seen everything missed nothing: no gap.
    expect(sub.messages('uptodate')).toEqual([]);
    // The RECEIPT of a live SUBSCRIBE names the next offset in the same epoch.
    await sub.subscribe('live', '/topic/ttl');
    const receipt = sub.frames[await sub.awaitReceipt('sub-live')] as StompFrame;
    expect([header(receipt, 'x-stream-offset'), header(receipt, 'x-stream-epoch')]).toEqual(['3', old]);

    await pub.publish('/topic/ttl', ['n0']);
    const live = (await sub.awaitMessages('live', 1))[0] as StompFrame;
    expect([offsetOf(live), header(live, 'x-stream-epoch')]).toEqual([3, old]);
    // A subscriber that stayed connected sees consecutive offsets across the expiry.
    const seen = await watcher.awaitMessages('w', 4);
    expect(seen.map((f) => [offsetOf(f), header(f, 'x-stream-epoch') === old])).toEqual([
      [0, true],
      [1, true],
      [2, true],
      [3, true],
    ]);
    // A resume from an expired offset gets the truncated gap, then what is retained.
    const late = await Peer.open(targets.websocket);
    await late.subscribe('r', '/topic/ttl', { 'x-stream-offset': 'offset=1', 'x-stream-epoch': old });
    const [gap, ...rest] = late.messages('r');
    expect(gapOf(gap)).toEqual(['truncated', '1', '3', old]);
    expect(rest.map((f) => f.body)).toEqual(['n0']);
  });

  // A client that subscribed before anything was published resumes from its RECEIPT's position; if what was
  // published meanwhile expired entirely, it must still be told it missed messages.
  it('offset=0 without an epoch, after published messages all expired, reports a gap', async () => {
    const { clock, pub, targets } = await clocked();
    const early = await Peer.open(targets.sockjs);
    await early.subscribe('s', '/topic/quiet'); // its RECEIPT: x-stream-offset:0 and the new epoch
    early.drop();
    await pub.publish('/topic/quiet', ['missed-0', 'missed-1']);
    clock.ms += 10_000;
    const back = await Peer.open(targets.sockjs);
    await back.subscribe('s', '/topic/quiet', { 'x-stream-offset': 'offset=0' });
    expect(back.messages('s').map((f) => header(f, 'x-stream-gap'))).toEqual(['truncated']);
  });
});
