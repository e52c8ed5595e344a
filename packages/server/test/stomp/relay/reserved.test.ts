import { describe, expect, it } from 'vitest';
import { userKey } from '../../../src/stomp/destinations.js';
import { brokerDestination } from '../../../src/stomp/relay/destinations.js';
import { resolveRelayOptions } from '../../../src/stomp/relay/options.js';
import { reservedDestination, reservedQueueName } from '../../../src/stomp/relay/reserved.js';

/*
 * The relay's reserved names at RabbitMQ, spelling by spelling, without a broker (isolation.test.ts shows the
 * same refusals against the real RabbitMQ). RabbitMQ reads `/exchange/<name>/<key>`, `/queue/<name>`,
 * `/amq/queue/<name>` and a bare `<name>` (a queue), decoding `%2F` in each segment.
 */

const bobs = brokerDestination(`/user/${userKey('bob', '')}/queue/x`, 'amq.direct');

describe('reservedDestination', () => {
  it("refuses the name a user destination gets at RabbitMQ, and every other way to name the relay's exchange", () => {
    expect(bobs).toBe('/exchange/amq.direct/%2Fuser%2Fbob%2Fqueue%2Fx');
    for (const destination of [
      bobs,
      '/exchange/amq.direct',
      '/exchange/amq.direct/',
      '/exchange/amq.direct/#',
      '/exchange/amq.direct/anything',
      // Not what RabbitMQ decodes today, but refused in case it ever decodes more than %2F.
      '/exchange/amq%2Edirect/%2Fuser%2Fbob%2Fqueue%2Fx',
      '/exchange/amq%2edirect',
    ]) {
      expect(reservedDestination(destination, 'amq.direct'), destination).toMatch(
        /names the exchange amq\.direct, which carries the relay's user destinations \(the relay option directExchange\)/,
      );
    }
  });

  it('follows directExchange: the one configured is reserved, amq.direct is free again', () => {
    expect(reservedDestination('/exchange/sockwire.users/k', 'sockwire.users')).toMatch(/sockwire\.users/);
    expect(reservedDestination('/exchange/sockwire%2Fusers/k', 'sockwire/users')).toMatch(/sockwire\/users/);
    expect(reservedDestination(bobs, 'sockwire.users')).toBeUndefined();
  });

  it("refuses the queues RabbitMQ names after a subscription's key and id, by any queue spelling", () => {
    for (const destination of [
      '/amq/queue/stomp-subscription-AbC_123',
      '/queue/stomp-subscription-AbC_123',
      '/queue/stomp%2Dsubscription-AbC',
      'stomp-subscription-AbC',
    ]) {
      expect(reservedDestination(destination, 'amq.direct'), destination).toMatch(
        /names a queue RabbitMQ made for a subscription \(stomp-subscription-\.\.\.\)/,
      );
    }
  });

  it('leaves every other destination to the client', () => {
    for (const destination of [
      '/topic/chat',
      '/topic/#',
      '/queue/work',
      '/amq/queue/orders',
      '/exchange/amq.topic/x.y',
      '/exchange/amq.fanout',
      '/exchange/amq.directory/x',
      '/queue/my-stomp-subscription-x',
      '/temp-queue/replies',
    ]) {
      expect(reservedDestination(destination, 'amq.direct'), destination).toBeUndefined();
    }
  });
});

describe('reservedQueueName (x-queue-name of a SUBSCRIBE)', () => {
  it('is refused on a user destination, which must keep the queue name RabbitMQ gives it', () => {
    expect(reservedQueueName('/user/bob/queue/x', [['x-queue-name', 'mine']])).toMatch(
      /x-queue-name is not allowed on user destinations/,
    );
    expect(reservedQueueName('/user/bob/queue/x', [['durable', 'true']])).toBeUndefined();
  });

  it("may not name a subscription's queue, in any of its occurrences", () => {
    const stolen = [
      ['x-queue-name', 'innocent'],
      ['x-queue-name', 'stomp-subscription-AbC'],
    ] as const;
    expect(reservedQueueName('/topic/news', stolen)).toMatch(/may not start with stomp-subscription-/);
    expect(reservedQueueName('/topic/news', [['x-queue-name', 'news-archive']])).toBeUndefined();
  });
});

describe('directExchange', () => {
  it('cannot be one that clients reach by another name', () => {
    expect(() => resolveRelayOptions({ directExchange: 'amq.topic' })).toThrow(
      /directExchange cannot be "amq.topic": clients reach it through \/topic\//,
    );
    expect(() => resolveRelayOptions({ directExchange: '' })).toThrow(/default exchange/);
    expect(resolveRelayOptions({ directExchange: 'sockwire.users' }).directExchange).toBe('sockwire.users');
  });
});
