import { describe, expect, it } from 'vitest';
import { planResume, resolveHistory } from '../../src/brokers/history.js';
import { parseStreamStart } from '../../src/index.js';

describe('x-stream-offset values (RabbitMQ syntax)', () => {
  it('reads first, last, next and offset=<n>', () => {
    expect(parseStreamStart('first')).toEqual({ kind: 'first' });
    expect(parseStreamStart('last')).toEqual({ kind: 'last' });
    expect(parseStreamStart('next')).toEqual({ kind: 'next' });
    expect(parseStreamStart('offset=0')).toEqual({ kind: 'offset', offset: 0 });
    expect(parseStreamStart('offset=123456789012345')).toEqual({ kind: 'offset', offset: 123456789012345 });
  });

  it.each([
    'FIRST',
    'offset=',
    'offset=-1',
    'offset=1.5',
    'offset=1e3',
    ' first',
    'offset=1234567890123456',
    '',
  ])('refuses %j, naming the accepted forms', (text) => {
    expect(() => parseStreamStart(text)).toThrow(/first, last, next or offset=<n>/);
  });
});

describe('which retained offsets a resume replays', () => {
  const retained = { first: 40, next: 50, epoch: 'e1' };

  it('next: live only; first: everything retained; last: the newest', () => {
    expect(planResume({ start: { kind: 'next' } }, retained)).toEqual({ from: 50, gap: undefined });
    expect(planResume({ start: { kind: 'first' } }, retained)).toEqual({ from: 40, gap: undefined });
    expect(planResume({ start: { kind: 'last' } }, retained)).toEqual({ from: 49, gap: undefined });
  });

  it('an offset inside the retained range replays from it, in the same epoch or with none given', () => {
    expect(planResume({ start: { kind: 'offset', offset: 45 }, epoch: 'e1' }, retained)).toEqual({
      from: 45,
      gap: undefined,
    });
    expect(planResume({ start: { kind: 'offset', offset: 40 } }, retained).from).toBe(40);
    expect(planResume({ start: { kind: 'offset', offset: 50 } }, retained)).toEqual({
      from: 50,
      gap: undefined,
    });
  });

  it('an offset older than the retained range is a truncated gap, then everything retained', () => {
    expect(planResume({ start: { kind: 'offset', offset: 12 }, epoch: 'e1' }, retained)).toEqual({
      from: 40,
      gap: { reason: 'truncated', requested: 12, resumedAt: 40, epoch: 'e1' },
    });
  });

  it("another epoch's offset is an epoch gap, whatever its number, then everything retained", () => {
    for (const offset of [0, 45, 99]) {
      expect(planResume({ start: { kind: 'offset', offset }, epoch: 'old' }, retained)).toEqual({
        from: 40,
        gap: { reason: 'epoch', requested: offset, resumedAt: 40, epoch: 'e1' },
      });
    }
  });

  it('an offset past the end was counted in another numbering: an epoch gap, then everything retained', () => {
    expect(planResume({ start: { kind: 'offset', offset: 70 }, epoch: 'e1' }, retained)).toEqual({
      from: 40,
      gap: { reason: 'epoch', requested: 70, resumedAt: 40, epoch: 'e1' },
    });
    expect(planResume({ start: { kind: 'offset', offset: 51 } }, retained).gap?.reason).toBe('epoch');
  });

  it('an empty range (everything expired, numbering kept) replays nothing from first or last', () => {
    const empty = { first: 50, next: 50, epoch: 'e1' };
    expect(planResume({ start: { kind: 'first' } }, empty).from).toBe(50);
    expect(planResume({ start: { kind: 'last' } }, empty).from).toBe(50);
  });
});

describe('history limits per destination', () => {
  it('defaults: 1000 messages and 300 s for every destination', () => {
    const history = resolveHistory(undefined, 'test');
    expect(history.limitsFor('/topic/a')).toEqual({ size: 1000, ttlMs: 300_000 });
    expect(history.maxDestinations).toBe(10_000);
    expect(history.maxBytes).toBe(64 * 1024 * 1024);
  });

  it('the longest matching prefix rule wins; 0 turns history off', () => {
    const history = resolveHistory(
      {
        size: 50,
        ttl: 10,
        rules: [
          { prefix: '/topic/', size: 5 },
          { prefix: '/topic/prices.', size: 0 },
          { prefix: '/topic/prices.eur', ttl: 1 },
        ],
      },
      'test',
    );
    expect(history.limitsFor('/user/x/queue/a')).toEqual({ size: 50, ttlMs: 10_000 });
    expect(history.limitsFor('/topic/chat')).toEqual({ size: 5, ttlMs: 10_000 });
    expect(history.limitsFor('/topic/prices.usd')).toBeUndefined();
    expect(history.limitsFor('/topic/prices.eur')).toEqual({ size: 50, ttlMs: 1000 });
  });

  it('false, size 0 or ttl 0 turn it off everywhere', () => {
    expect(resolveHistory(false, 'test').limitsFor('/topic/a')).toBeUndefined();
    expect(resolveHistory({ size: 0 }, 'test').limitsFor('/topic/a')).toBeUndefined();
    expect(resolveHistory({ ttl: 0 }, 'test').limitsFor('/topic/a')).toBeUndefined();
  });

  it('refuses bad limits with the option named', () => {
    expect(() => resolveHistory({ size: -1 }, 'Broker')).toThrow(
      'Broker: history.size must be a whole number',
    );
    expect(() => resolveHistory({ ttl: 0.5 }, 'Broker')).toThrow('history.ttl');
    expect(() => resolveHistory({ rules: [{ prefix: 'topic' }] }, 'Broker')).toThrow(
      /prefix must start with/,
    );
    expect(() => resolveHistory({ maxBytes: Number.NaN }, 'Broker')).toThrow('history.maxBytes');
  });
});
