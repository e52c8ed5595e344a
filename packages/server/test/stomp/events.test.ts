import { describe, expect, it, vi } from 'vitest';
import type { StompBroker, StompBrokerEvents } from '../../src/stomp/index.js';
import { settle, setup } from './support/test-client.js';

const byLogin = (headers: readonly (readonly [string, string])[]) => {
  const login = headers.find(([name]) => name === 'login')?.[1];
  return login === undefined ? undefined : { name: login };
};

/** Every event the broker emits, as short strings, in order. */
function record(broker: StompBroker): string[] {
  const seen: string[] = [];
  const who = (event: { session: { principal: { name: string } | undefined; id: string } }) =>
    event.session.principal?.name ?? 'anonymous';
  broker.on('connected', (e) => seen.push(`connected ${who(e)}`));
  broker.on('disconnected', (e) => seen.push(`disconnected ${who(e)} ${e.code}`));
  broker.on('subscribed', (e) =>
    seen.push(`subscribed ${who(e)} ${e.subscription.id} ${e.subscription.destination}`),
  );
  broker.on('unsubscribed', (e) =>
    seen.push(`unsubscribed ${who(e)} ${e.subscription.id} ${e.subscription.destination} ${e.cause}`),
  );
  return seen;
}

describe('STOMP broker lifecycle events', () => {
  it('connected, subscribed, unsubscribed and disconnected, in order, over a whole session', () => {
    const { broker, client } = setup({ authenticate: byLogin });
    const seen = record(broker);
    const c = client({ login: 'alice' });
    c.send('SUBSCRIBE', { id: 's1', destination: '/topic/a' });
    c.send('SUBSCRIBE', { id: 's2', destination: '/user/queue/dm', ack: 'client' });
    c.send('UNSUBSCRIBE', { id: 's1' });
    c.send('DISCONNECT', { receipt: 'bye' });
    expect(seen).toEqual([
      'connected alice',
      'subscribed alice s1 /topic/a',
      'subscribed alice s2 /user/queue/dm',
      'unsubscribed alice s1 /topic/a unsubscribe',
      'unsubscribed alice s2 /user/queue/dm disconnect',
      'disconnected alice 1000',
    ]);
  });

  it('a lost connection ends every open subscription, then the session', () => {
    const { broker, client } = setup();
    const seen = record(broker);
    const c = client({});
    c.send('SUBSCRIBE', { id: 'x', destination: '/topic/x' });
    c.send('SUBSCRIBE', { id: 'y', destination: '/topic/y' });
    c.connection.drop();
    expect(seen.slice(3)).toEqual([
      'unsubscribed anonymous x /topic/x disconnect',
      'unsubscribed anonymous y /topic/y disconnect',
      'disconnected anonymous 1006',
    ]);
  });

  it('listeners see the registry already updated: the closed session is gone from userSessions', () => {
    const { broker, client } = setup({ authenticate: byLogin });
    let during: number | undefined;
    broker.on('disconnected', (e) => {
      during = broker.userSessions(e.session.principal?.name ?? '').length;
    });
    const c = client({ login: 'bob' });
    expect(broker.userSessions('bob')).toHaveLength(1);
    c.connection.drop();
    expect(during).toBe(0);
  });

  it('a session that never got CONNECTED is not announced; nor is a refused SUBSCRIBE', () => {
    const { broker, client } = setup({
      authorize: (_principal, _action, destination) => destination !== '/topic/secret',
    });
    const seen = record(broker);
    const unconnected = client();
    unconnected.connection.drop();
    const c = client({});
    c.send('SUBSCRIBE', { id: 's', destination: '/topic/secret' });
    expect(c.closed).toBe(true);
    expect(seen).toEqual(['connected anonymous', 'disconnected anonymous 1008']);
  });

  it('subscribe handlers: subscribed fires after the handler answered, so its reply went first', () => {
    const { broker, client } = setup();
    broker.onSubscribe('/history', () => ['one', 'two']);
    const order: string[] = [];
    const c = client({});
    c.connection.onWrite = (text) => {
      if (text.startsWith('MESSAGE')) order.push('reply');
    };
    broker.on('subscribed', (e) => order.push(`subscribed ${e.subscription.destination}`));
    c.send('SUBSCRIBE', { id: 'h', destination: '/app/history' });
    expect(order).toEqual(['reply', 'subscribed /app/history']);
  });

  it('async authorization: subscribed once allowed; a session lost meanwhile announces nothing', async () => {
    let allow: (ok: boolean) => void = () => {};
    const { broker, client } = setup({
      authorize: () =>
        new Promise<boolean>((resolve) => {
          allow = resolve;
        }),
    });
    const seen = record(broker);
    const c = client({});
    c.send('SUBSCRIBE', { id: 's', destination: '/topic/t' });
    expect(seen).toEqual(['connected anonymous']);
    allow(true);
    await settle();
    expect(seen).toEqual(['connected anonymous', 'subscribed anonymous s /topic/t']);

    const d = client({});
    d.send('SUBSCRIBE', { id: 'late', destination: '/topic/t' });
    d.connection.drop();
    allow(true);
    await settle();
    expect(seen.slice(3)).toEqual(['disconnected anonymous 1006']);
  });

  it('broker.close() ends every session with 1001, subscriptions first', async () => {
    const { broker, client } = setup();
    const seen = record(broker);
    const c = client({});
    c.send('SUBSCRIBE', { id: 's', destination: '/topic/t' });
    await broker.close();
    expect(seen.slice(2)).toEqual([
      'unsubscribed anonymous s /topic/t disconnect',
      'disconnected anonymous 1001',
    ]);
  });

  it('a listener that throws is logged; the other listeners and the session go on', () => {
    const log = vi.fn();
    const { broker, client } = setup({ log });
    const second = vi.fn<(event: StompBrokerEvents['subscribed']) => void>();
    broker.on('subscribed', () => {
      throw new Error('listener bug');
    });
    broker.on('subscribed', second);
    const c = client({});
    c.send('SUBSCRIBE', { id: 's', destination: '/topic/t', receipt: 'r' });
    expect(second).toHaveBeenCalledOnce();
    expect(c.take().map((f) => f.command)).toEqual(['RECEIPT']);
    expect(log).toHaveBeenCalledWith('error', expect.stringContaining('subscribed listener failed'));
  });

  it('on() returns a remover; the same function added twice is called twice', () => {
    const { broker, client } = setup();
    const listener = vi.fn();
    const remove = broker.on('connected', listener);
    broker.on('connected', listener);
    client({});
    expect(listener).toHaveBeenCalledTimes(2);
    remove();
    client({});
    expect(listener).toHaveBeenCalledTimes(3);
  });

  it('presence from subscriptions alone: members of a room topic, kept right through drops', () => {
    const { broker, client } = setup({ authenticate: byLogin });
    const members = new Map<string, string>();
    const key = (e: { session: { id: string }; subscription: { id: string } }) =>
      `${e.session.id}/${e.subscription.id}`;
    broker.on('subscribed', (e) => {
      if (e.subscription.destination === '/topic/room') members.set(key(e), e.session.principal?.name ?? '');
    });
    broker.on('unsubscribed', (e) => members.delete(key(e)));
    const a = client({ login: 'a' });
    const b = client({ login: 'b' });
    a.send('SUBSCRIBE', { id: '1', destination: '/topic/room' });
    b.send('SUBSCRIBE', { id: '1', destination: '/topic/room' });
    expect([...members.values()].sort()).toEqual(['a', 'b']);
    b.connection.drop();
    a.send('UNSUBSCRIBE', { id: '1' });
    expect(members.size).toBe(0);
  });
});
