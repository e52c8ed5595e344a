import { afterEach, describe, expect, it } from 'vitest';
import type { StompFrame } from '../../src/stomp/index.js';
import { offsetOf, Peer, range, type Stack, startStack, type TransportKind } from './support/stream-peers.js';
import { header, wire } from './support/test-client.js';

/*
 * Stream resume under load and with client acknowledgements, end to end (TCP, raw WebSocket, SockJS): the switch
 * from replayed to live messages must have no gap and no duplicate while other connections keep publishing.
 */

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const offsets = (frames: StompFrame[]) => frames.map(offsetOf);

describe('the replay-to-live switch under concurrent publishes', () => {
  const TOTAL = 2000;
  const BATCH = 100;
  const DESTINATION = '/topic/switch';

  interface Resumer {
    readonly kind: TransportKind;
    /** Resume once the watcher has this many messages. */
    readonly at: number;
    readonly start: (seen: number, epoch: string) => Record<string, string>;
  }
  const resumers: Resumer[] = [
    { kind: 'websocket', at: 150, start: (seen, epoch) => ({ offset: `offset=${seen - 100}`, epoch }) },
    { kind: 'sockjs', at: 500, start: () => ({ offset: 'first' }) },
    { kind: 'tcp', at: 900, start: () => ({ offset: 'last' }) },
    { kind: 'sockjs', at: 1300, start: (seen) => ({ offset: `offset=${seen - 1}` }) },
    { kind: 'tcp', at: 1600, start: (seen, epoch) => ({ offset: `offset=${seen - 50}`, epoch }) },
  ];

  it('every resuming subscriber gets each offset from its start to the last exactly once, in order', {
    timeout: 90_000,
  }, async () => {
    stack = await startStack({ history: { size: 5000 } });
    const targets = stack.targets;
    const watcher = await Peer.open(targets.tcp);
    await watcher.subscribe('w', DESTINATION);
    const publishers = [await Peer.open(targets.tcp), await Peer.open(targets.websocket)];
    const peers = await Promise.all(resumers.map((r) => Peer.open(targets[r.kind])));

    let sent = 0;
    const seen = () => watcher.messages('w').length;
    let resumed!: () => void;
    const allResumed = new Promise<void>((resolve) => {
      resumed = resolve;
    });
    const publish = async (publisher: Peer, p: number) => {
      const perPublisher = TOTAL / publishers.length;
      for (let from = 0; from < perPublisher; from += BATCH) {
        // The last batch waits for every resume, so that each one has live messages after its switch.
        if (from + BATCH >= perPublisher) await allResumed;
        const frames = range(from, BATCH).map((i) =>
          wire('SEND', { destination: DESTINATION }, `p${p}-${i}`),
        );
        publisher.sendMany(frames);
        sent += BATCH;
        // Stay at most a few batches ahead of what subscribers read, so the publishing spans the resumes.
        await watcher.until(`watcher near ${sent}`, () => (seen() >= sent - 3 * BATCH ? true : undefined));
      }
    };
    const subscribeAll = async () => {
      const receipts: { at: number; receipt: number }[] = [];
      for (const [i, resumer] of resumers.entries()) {
        const peer = peers[i] as Peer;
        const count = await watcher.until(`watcher at ${resumer.at}`, () =>
          seen() >= resumer.at ? seen() : undefined,
        );
        const epoch = header(watcher.messages('w')[0] as StompFrame, 'x-stream-epoch') ?? '';
        const start = resumer.start(count, epoch);
        peer.send('SUBSCRIBE', {
          id: 'r',
          destination: DESTINATION,
          receipt: 'resumed',
          'x-stream-offset': start.offset as string,
          ...(start.epoch === undefined ? {} : { 'x-stream-epoch': start.epoch }),
        });
        receipts.push({ at: count, receipt: await peer.awaitReceipt('resumed') });
      }
      resumed();
      return receipts;
    };
    const [receipts] = await Promise.all([subscribeAll(), ...publishers.map((p, i) => publish(p, i))]);

    const all = await watcher.awaitMessages('w', TOTAL);
    expect(offsets(all)).toEqual(range(0, TOTAL));
    const epoch = header(all[0] as StompFrame, 'x-stream-epoch');
    const bodyAt = all.map((frame) => frame.body);
    for (const p of [0, 1]) {
      const own = bodyAt.filter((body) => body.startsWith(`p${p}-`));
      expect(own).toEqual(range(0, TOTAL / 2).map((i) => `p${p}-${i}`));
    }
    for (const [i, peer] of peers.entries()) {
      const got = await peer.until(`offset ${TOTAL - 1} on resumer ${i}`, () => {
        const messages = peer.messages('r');
        return messages.length > 0 && offsetOf(messages.at(-1) as StompFrame) === TOTAL - 1
          ? messages
          : undefined;
      });
      const first = offsetOf(got[0] as StompFrame);
      const { at, receipt } = (receipts as { at: number; receipt: number }[])[i] as {
        at: number;
        receipt: number;
      };
      const receiptFrame = peer.frames[receipt] as StompFrame;
      // Where it started: the asked-for offset, 0 for first, the newest one for last.
      const expectedStart = [
        at - 100,
        0,
        Number(header(receiptFrame, 'x-stream-offset')) - 1,
        at - 1,
        at - 50,
      ][i];
      expect({ resumer: i, first }).toEqual({ resumer: i, first: expectedStart });
      expect(offsets(got)).toEqual(range(first, TOTAL - first));
      expect(got.map((f) => f.body)).toEqual(bodyAt.slice(first));
      expect(new Set(got.map((f) => header(f, 'x-stream-epoch')))).toEqual(new Set([epoch]));
      expect(got.filter((f) => header(f, 'x-stream-gap') !== undefined)).toEqual([]);
    }
  });
});

describe('client acknowledgements on a resumed subscription', () => {
  it('replayed messages carry ack ids that ACK and NACK settle; the gap MESSAGE can be ACKed harmlessly', async () => {
    stack = await startStack({ history: { size: 5 } });
    const pub = await Peer.open(stack.targets.tcp);
    await pub.publish('/topic/acks', range(0, 8).map(String));
    const sub = await Peer.open(stack.targets.sockjs);
    await sub.subscribe('s', '/topic/acks', { 'x-stream-offset': 'offset=1', ack: 'client-individual' });
    const [gap, ...replayed] = sub.messages('s') as [StompFrame, ...StompFrame[]];
    expect([header(gap, 'x-stream-gap'), offsets(replayed)]).toEqual(['truncated', range(3, 5)]);
    const ackIds = sub.messages('s').map((f) => header(f, 'ack'));
    expect(new Set(ackIds).size).toBe(6);
    expect(ackIds.every((id) => id !== undefined && id !== '')).toBe(true);

    const acked = async (command: string, id: string, receipt: string) => {
      sub.send(command, { id, receipt });
      await sub.awaitReceipt(receipt);
    };
    await acked('ACK', ackIds[0] as string, 'gap');
    for (const [i, id] of ackIds.slice(1, 4).entries()) await acked('ACK', id as string, `ack-${i}`);
    // A NACKed replayed message comes again, marked redelivered, with its offset unchanged.
    await acked('NACK', ackIds[4] as string, 'nack');
    const again = (await sub.awaitMessages('s', 7))[6] as StompFrame;
    expect([offsetOf(again), header(again, 'redelivered'), again.body]).toEqual([6, 'true', '6']);
    await pub.publish('/topic/acks', ['8']);
    const live = (await sub.awaitMessages('s', 8))[7] as StompFrame;
    expect([offsetOf(live), live.body]).toEqual([8, '8']);
    for (const [i, frame] of [replayed[4], again, live].entries())
      await acked('ACK', header(frame as StompFrame, 'ack') as string, `rest-${i}`);
    expect(sub.frames.filter((f) => f.command === 'ERROR')).toEqual([]);

    // Settled means gone: ACKing a replayed message a second time names no unacknowledged message.
    sub.send('ACK', { id: ackIds[1] as string });
    const error = await sub.awaitError();
    expect(header(error, 'message')).toBe('Unknown ACK id');
  });

  it('ack:client settles the gap MESSAGE and every replayed one up to the one ACKed', async () => {
    stack = await startStack({ history: { size: 3 } });
    const pub = await Peer.open(stack.targets.websocket);
    await pub.publish('/topic/cumulative', range(0, 6).map(String));
    const sub = await Peer.open(stack.targets.tcp);
    await sub.subscribe('s', '/topic/cumulative', { 'x-stream-offset': 'offset=0', ack: 'client' });
    const frames = sub.messages('s');
    expect([header(frames[0] as StompFrame, 'x-stream-gap'), offsets(frames.slice(1))]).toEqual([
      'truncated',
      [3, 4, 5],
    ]);
    sub.send('ACK', { id: header(frames[2] as StompFrame, 'ack') as string, receipt: 'upto4' });
    await sub.awaitReceipt('upto4');
    sub.send('ACK', { id: header(frames[3] as StompFrame, 'ack') as string, receipt: 'last' });
    await sub.awaitReceipt('last');
    sub.send('ACK', { id: header(frames[0] as StompFrame, 'ack') as string });
    expect(header(await sub.awaitError(), 'message')).toBe('Unknown ACK id');
  });
});

describe('replies to one session on a user destination', () => {
  // Known problem (reported): a sendToUser reply with broadcast:false is published to the user's stream with a
  // target-session header, so it takes an offset in the stream every session of the user reads; the other
  // sessions skip it, and see offsets with holes and no gap (here alice's first session sees 0 then 2). A
  // reconnected session's resume cannot get its old session's replies either. Remove `.fails` once fixed.
  it('each session of a user sees consecutive offsets on /user/queue/reply', async () => {
    stack = await startStack({
      authenticate: (headers) => ({ name: headers.find(([name]) => name === 'login')?.[1] ?? 'anonymous' }),
    });
    stack.broker.onMessage('/me', (ctx) => `me:${ctx.body}`, {
      sendToUser: '/queue/reply',
      broadcast: false,
    });
    const [one, two] = [
      await Peer.open(stack.targets.tcp, { login: 'alice' }),
      await Peer.open(stack.targets.websocket, { login: 'alice' }),
    ] as [Peer, Peer];
    for (const peer of [one, two]) await peer.subscribe('r', '/user/queue/reply');
    for (const [peer, body] of [
      [one, 'x'],
      [two, 'y'],
      [one, 'z'],
    ] as const) {
      peer.send('SEND', { destination: '/app/me', receipt: body }, body);
      await peer.awaitReceipt(body);
    }
    const got = offsets(await one.awaitMessages('r', 2)).filter((offset) => !Number.isNaN(offset));
    expect(got).toEqual(range(got[0] ?? 0, got.length));
  });
});

describe('a replay larger than the slow-consumer buffer', () => {
  // Known problem (reported): the replay is written in one synchronous burst with no flow control, so a
  // history bigger than slowConsumer.maxBufferedBytes (512 KiB) closes the resuming SockJS session as a slow
  // consumer part way through: 600 retained messages of 1 KiB (inside the default 1000) cannot be resumed.
  // Remove `.fails` once the replay is paced.
  it('a SockJS subscriber can resume 600 retained messages of 1 KiB from first', async () => {
    stack = await startStack();
    const pub = await Peer.open(stack.targets.tcp);
    await pub.publish(
      '/topic/big',
      range(0, 600).map((i) => `${i}`.padEnd(1024, '.')),
    );
    const sub = await Peer.open(stack.targets.sockjs);
    sub.send('SUBSCRIBE', { id: 's', destination: '/topic/big', 'x-stream-offset': 'first' });
    const got = await sub.awaitMessages('s', 600);
    expect(offsets(got)).toEqual(range(0, 600));
    expect(sub.closed).toBe(false);
  });
});
