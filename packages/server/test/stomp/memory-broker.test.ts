import { describe, expect, it } from 'vitest';
import { type Delivery, MemoryBroker } from '../../src/brokers/index.js';
import { compilePattern, fillPattern } from '../../src/stomp/path-pattern.js';

function consumer() {
  const got: Delivery[] = [];
  return {
    got,
    deliver: (delivery: Delivery) => got.push(delivery),
    bodies: () => got.map((d) => d.message.body),
  };
}

describe('MemoryBroker', () => {
  it('topics fan out and keep nothing without subscribers', () => {
    const broker = new MemoryBroker();
    broker.publish('/topic/t', [], 'lost');
    const a = consumer();
    const b = consumer();
    broker.subscribe('/topic/t', a, { manualAck: false });
    broker.subscribe('/topic/t', b, { manualAck: false });
    broker.publish('/topic/t', [], 'm');
    expect([a.bodies(), b.bodies()]).toEqual([['m'], ['m']]);
    expect(broker.stats()).toMatchObject({ destinations: 1, consumers: 2, published: 2, delivered: 2 });
  });

  it('queues hold messages for the first consumer and hand them out round robin', () => {
    const broker = new MemoryBroker();
    broker.publish('/queue/q', [], 'early');
    const a = consumer();
    const b = consumer();
    broker.subscribe('/queue/q', a, { manualAck: false });
    broker.subscribe('/queue/q', b, { manualAck: false });
    for (const body of ['1', '2', '3']) broker.publish('/queue/q', [], body);
    expect([a.bodies(), b.bodies()]).toEqual([['early', '1', '3'], ['2']]);
  });

  it('a full queue drops its oldest message', () => {
    const broker = new MemoryBroker({ maxQueuedMessages: 2 });
    for (const body of ['1', '2', '3']) broker.publish('/queue/q', [], body);
    const a = consumer();
    broker.subscribe('/queue/q', a, { manualAck: false });
    expect(a.bodies()).toEqual(['2', '3']);
    expect(broker.stats().discarded).toBe(1);
  });

  it('prefetch limits unacknowledged deliveries per consumer', () => {
    const broker = new MemoryBroker();
    const a = consumer();
    const handle = broker.subscribe('/queue/q', a, { manualAck: true, prefetch: 1 });
    broker.publish('/queue/q', [], '1');
    broker.publish('/queue/q', [], '2');
    expect(a.bodies()).toEqual(['1']);
    expect(broker.stats().queued).toBe(1);
    handle.ack(a.got[0]?.tag ?? 0);
    expect(a.bodies()).toEqual(['1', '2']);
  });

  it('NACK and cancel return messages marked redelivered, up to the redelivery limit', () => {
    const broker = new MemoryBroker({ maxRedeliveries: 1 });
    const a = consumer();
    const handle = broker.subscribe('/queue/q', a, { manualAck: true });
    broker.publish('/queue/q', [], 'm');
    handle.nack(a.got[0]?.tag ?? 0);
    expect(a.got.map((d) => d.redelivered)).toEqual([false, true]);
    handle.nack(a.got[1]?.tag ?? 0);
    expect(a.got).toHaveLength(2);
    expect(broker.stats().discarded).toBe(1);
  });

  it('a cancelled consumer returns its unacknowledged messages in order', () => {
    const broker = new MemoryBroker();
    const a = consumer();
    const handle = broker.subscribe('/queue/q', a, { manualAck: true });
    for (const body of ['1', '2']) broker.publish('/queue/q', [], body);
    handle.cancel();
    const b = consumer();
    broker.subscribe('/queue/q', b, { manualAck: false });
    expect(b.got.map((d) => [d.message.body, d.redelivered])).toEqual([
      ['1', true],
      ['2', true],
    ]);
    expect(broker.stats().destinations).toBe(1);
  });

  it('a topic NACK redelivers to the same consumer', () => {
    const broker = new MemoryBroker();
    const a = consumer();
    const handle = broker.subscribe('/topic/t', a, { manualAck: true });
    broker.publish('/topic/t', [], 'm');
    handle.nack(a.got[0]?.tag ?? 0);
    expect(a.got.map((d) => [d.message.id, d.redelivered])).toEqual([
      ['1', false],
      ['1', true],
    ]);
  });

  it('survives a consumer that cancels itself during delivery', () => {
    const broker = new MemoryBroker();
    const seen: string[] = [];
    const selfCancelling = {
      deliver: (d: Delivery) => {
        seen.push(d.message.body);
        handle.cancel();
      },
    };
    const handle = broker.subscribe('/queue/q', selfCancelling, { manualAck: true });
    const b = consumer();
    broker.subscribe('/queue/q', b, { manualAck: false });
    broker.publish('/queue/q', [], 'm');
    expect(seen).toEqual(['m']);
    expect(b.got.map((d) => [d.message.body, d.redelivered])).toEqual([['m', true]]);
  });

  it('forgets idle destinations', () => {
    const broker = new MemoryBroker();
    const handle = broker.subscribe('/topic/t', consumer(), { manualAck: false });
    handle.cancel();
    expect(broker.stats().destinations).toBe(0);
  });
});

describe('path patterns', () => {
  it.each([
    ['/rooms/{room}/send', '/rooms/42/send', { room: '42' }],
    ['/rooms/{room}/send', '/rooms/42/x/send', undefined],
    ['/a/*/c', '/a/b/c', {}],
    ['/files/**', '/files/a/b/c', {}],
    ['/files/**', '/files/', {}],
    ['/exact.path', '/exact.path', {}],
    ['/exact.path', '/exactXpath', undefined],
  ])('%s matches %s', (pattern, path, expected) => {
    expect(compilePattern(pattern).match(path)).toEqual(expected);
  });

  it('rejects ambiguous patterns and fills templates', () => {
    expect(() => compilePattern('/{a}/{a}')).toThrow(TypeError);
    expect(() => compilePattern('/**/x')).toThrow(TypeError);
    expect(fillPattern('/topic/{room}.{kind}', { room: '1', kind: 'chat' })).toBe('/topic/1.chat');
  });
});
