import { describe, expect, it } from 'vitest';
import { BusCodec } from '../../src/cluster/bus-codec.js';
import { DropLog } from '../../src/cluster/drop-log.js';
import { MAX_DATA } from '../../src/cluster/message-shape.js';

/*
 * The codec between the bus and Redis, without Redis: the wire format with and without a secret, the size
 * bound applied before parsing, and drops counted by reason and logged without flooding.
 */

const inbox = 'sockwire:node:b';
const lost = 'sockwire:lost';
const message = { t: 'reply', req: 'b:x:1', status: 204 } as const;

describe('BusCodec', () => {
  it('keeps the plain format without a secret, so unsigned clusters interoperate as before', () => {
    const codec = new BusCodec('a', undefined, () => {});
    expect(codec.encodeMessage(inbox, message)).toBe(JSON.stringify(message));
    expect(codec.encodeLost(lost, 'c')).toBe('c');
    expect(codec.decodeMessage(inbox, JSON.stringify(message))).toEqual(message);
    expect(codec.decodeLost(lost, 'c')).toBe('c');
  });

  it('signs with a secret, and refuses what another secret or no secret produced', () => {
    const a = new BusCodec('a', 'k', () => {});
    const b = new BusCodec('b', 'k', () => {});
    expect(b.decodeMessage(inbox, a.encodeMessage(inbox, message))).toEqual(message);
    expect(b.decodeLost(lost, a.encodeLost(lost, 'c'))).toBe('c');
    expect(
      b.decodeMessage(inbox, new BusCodec('a', 'other', () => {}).encodeMessage(inbox, message)),
    ).toBeNull();
    expect(b.decodeMessage(inbox, JSON.stringify(message))).toBeNull();
    expect(b.decodeLost(lost, 'c')).toBeNull();
    // A signed-bus message means nothing to an unsigned node either.
    expect(
      new BusCodec('b', undefined, () => {}).decodeMessage(inbox, a.encodeMessage(inbox, message)),
    ).toBeNull();
    expect(b.stats()).toEqual({ dropped: 3, reasons: { 'bad signature': 1, unsigned: 2 } });
  });

  it('refuses text beyond the size bound before parsing it', () => {
    const codec = new BusCodec('b', undefined, () => {});
    const huge = JSON.stringify({ t: 'write', req: 'r', data: 'x'.repeat(MAX_DATA) });
    expect(codec.decodeMessage(inbox, huge)).toBeNull();
    expect(codec.stats().reasons).toEqual({ 'too large': 1 });
  });

  it('logs the first drop at once and then at most one summary per interval', () => {
    const lines: string[] = [];
    const codec = new BusCodec('b', undefined, (line) => lines.push(line));
    for (let i = 0; i < 1000; i++) codec.decodeMessage(inbox, 'null');
    codec.decodeLost(lost, '');
    codec.failed(inbox);
    expect(lines).toEqual([`dropped a message on ${inbox}: not an object`]);
    expect(codec.stats()).toEqual({
      dropped: 1002,
      reasons: { 'not an object': 1000, 'lost: not a node id': 1, 'handler failed': 1 },
    });
  });
});

describe('DropLog', () => {
  it('sums up what it did not log once the interval has passed', () => {
    let now = 0;
    const lines: string[] = [];
    const drops = new DropLog(
      (line) => lines.push(line),
      () => now,
    );
    drops.drop('c', 'first');
    drops.drop('c', 'second');
    drops.drop('c', 'second');
    now += 10_000;
    drops.drop('d', 'third');
    expect(lines).toEqual([
      'dropped a message on c: first',
      'dropped 3 messages since the last report, the latest on d: third',
    ]);
  });
});
