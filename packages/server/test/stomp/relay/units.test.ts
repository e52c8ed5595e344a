import { describe, expect, it } from 'vitest';
import { createMemoryBroker } from '../../../src/brokers/index.js';
import { createStompBroker } from '../../../src/stomp/index.js';
import { backoffDelay } from '../../../src/stomp/relay/backoff.js';
import { brokerDestination } from '../../../src/stomp/relay/destinations.js';
import { createStompRelay, parseRelayUrl } from '../../../src/stomp/relay/index.js';
import { resolveRelayOptions } from '../../../src/stomp/relay/options.js';
import { resolvedStompOptionsOf } from '../../../src/stomp/stomp-broker.js';

/** The relay's pure parts: URL and options, destination names, backoff. No broker needed. */
describe('relay options', () => {
  it('parses stomp:// URLs', () => {
    expect(parseRelayUrl('stomp://guest:guest@127.0.0.1:61613')).toEqual({
      host: '127.0.0.1',
      port: 61613,
      login: 'guest',
      passcode: 'guest',
    });
    expect(parseRelayUrl('stomp://rabbit.internal')).toEqual({ host: 'rabbit.internal', port: 61613 });
    expect(parseRelayUrl('stomp://u%40x:p%3Aw@[::1]:1234/%2F')).toEqual({
      host: '::1',
      port: 1234,
      login: 'u@x',
      passcode: 'p:w',
      virtualHost: '/',
    });
    expect(parseRelayUrl('stomp://h/chat')).toMatchObject({ virtualHost: 'chat' });
    expect(() => parseRelayUrl('redis://h:6379')).toThrow(/must start with stomp:\/\//);
    expect(() => parseRelayUrl('not a url')).toThrow(/is not a URL/);
  });

  it('resolves defaults (Spring relay values) and lets fields override the URL', () => {
    const defaults = resolveRelayOptions();
    expect(defaults).toMatchObject({
      host: '127.0.0.1',
      port: 61613,
      client: { login: 'guest', passcode: 'guest' },
      system: { login: 'guest', passcode: 'guest' },
      virtualHost: undefined,
      heartbeat: { send: 10_000, receive: 10_000 },
      heartbeatTolerance: 3,
      connectTimeout: 10_000,
      reconnect: { minDelay: 1000, maxDelay: 30_000, factor: 2 },
      directExchange: 'amq.direct',
    });
    expect(defaults.limits.maxBodyBytes).toBe(1024 * 1024);
    const mixed = resolveRelayOptions({ url: 'stomp://app:secret@mq:1/v', port: 2, systemLogin: 'sys' });
    expect(mixed).toMatchObject({
      host: 'mq',
      port: 2,
      virtualHost: 'v',
      client: { login: 'app', passcode: 'secret' },
      system: { login: 'sys', passcode: 'secret' },
    });
    expect(() => resolveRelayOptions({ port: 70000 })).toThrow(/port/);
    expect(() => resolveRelayOptions({ heartbeatTolerance: 0.5 })).toThrow(/at least 1/);
    expect(() => resolveRelayOptions({ reconnect: { minDelay: -1 } })).toThrow(/reconnect.minDelay/);
  });
});

describe('relay destinations', () => {
  it("keeps RabbitMQ's own destinations and sends the others through the direct exchange", () => {
    for (const native of ['/topic/a.b', '/queue/q', '/amq/queue/q', '/exchange/x/k', '/reply-queue/r']) {
      expect(brokerDestination(native, 'amq.direct')).toBe(native);
    }
    expect(brokerDestination('/user/alice/queue/x', 'amq.direct')).toBe(
      '/exchange/amq.direct/%2Fuser%2Falice%2Fqueue%2Fx',
    );
    // Distinct destinations keep distinct routing keys, whatever the user name holds.
    expect(brokerDestination('/user/al%2Fice/queue/x', 'amq.direct')).not.toBe(
      brokerDestination('/user/al/ice/queue/x', 'amq.direct'),
    );
  });
});

describe('relay backoff', () => {
  it('draws from a window that grows by factor up to maxDelay', () => {
    const policy = { minDelay: 100, maxDelay: 1000, factor: 2 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.5))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});

describe('createStompBroker with a relay', () => {
  it('refuses a broker and a relay together, and defaults the broker prefixes to RabbitMQ kinds', async () => {
    const relay = createStompRelay({ port: 1, reconnect: { minDelay: 60_000 } });
    try {
      expect(() => createStompBroker({ relay, broker: createMemoryBroker() })).toThrow(
        /either a broker or a relay/,
      );
      const stomp = createStompBroker({ relay });
      expect(resolvedStompOptionsOf(stomp).prefixes.broker).toEqual([
        '/topic',
        '/queue',
        '/exchange',
        '/amq/queue',
      ]);
      expect(stomp.broker).toBe(relay);
      expect(relay.url).toBe('stomp://guest@127.0.0.1:1');
      await expect(relay.subscribe('/topic/x', { deliver: () => {} }, { manualAck: false })).rejects.toThrow(
        /only publishes/,
      );
      await stomp.close();
    } finally {
      relay.close();
    }
  });
});
