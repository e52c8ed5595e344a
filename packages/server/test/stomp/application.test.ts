import { describe, expect, it, vi } from 'vitest';
import { message, StompRejection } from '../../src/stomp/index.js';
import { header, settle, setup } from './support/test-client.js';

const alice = { name: 'alice' };
const byLogin = (headers: readonly (readonly [string, string])[]) => {
  const login = headers.find(([name]) => name === 'login')?.[1];
  return login === undefined ? undefined : { name: login };
};

describe('STOMP application destinations and users (fake connection)', () => {
  describe('onMessage', () => {
    it('publishes the result to the default reply destination: /app/x → /topic/x', () => {
      const { client, broker } = setup();
      broker.onMessage('/rooms/{room}/send', (ctx) => ({
        room: ctx.params.room,
        text: ctx.json<{ text: string }>().text,
      }));
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/rooms/42/send' });
      c.send('SEND', { destination: '/app/rooms/42/send', receipt: 'r' }, '{"text":"hi"}');
      const [msg, receipt] = c.take();
      expect([msg?.command, msg?.body, header(msg, 'content-type'), receipt?.command]).toEqual([
        'MESSAGE',
        '{"room":"42","text":"hi"}',
        'application/json',
        'RECEIPT',
      ]);
    });

    it('sendTo publishes to a destination with path variables filled in', () => {
      const { client, broker } = setup();
      broker.onMessage('/rooms/{room}/send', (ctx) => `${ctx.session.id === '' ? '' : 'echo'}:${ctx.body}`, {
        sendTo: '/topic/room.{room}',
      });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/room.7' });
      c.send('SEND', { destination: '/app/rooms/7/send' }, 'yo');
      const [msg] = c.take();
      expect([msg?.body, header(msg, 'content-type')]).toEqual(['echo:yo', 'text/plain;charset=UTF-8']);
    });

    it('returning nothing publishes nothing; a returned message keeps its headers', () => {
      const { client, broker } = setup();
      broker.onMessage('/quiet', () => undefined);
      broker.onMessage('/loud', () => message('LOUD', { 'x-volume': '11' }), { sendTo: '/topic/out' });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/out' });
      c.send('SUBSCRIBE', { id: 's2', destination: '/topic/quiet' });
      c.send('SEND', { destination: '/app/quiet' }, 'x');
      c.send('SEND', { destination: '/app/loud' }, 'x');
      const frames = c.take();
      expect(frames.map((f) => [f.body, header(f, 'x-volume')])).toEqual([['LOUD', '11']]);
    });

    it('async handlers keep frame order', async () => {
      const { client, broker } = setup();
      broker.onMessage('/slow', async (ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return ctx.body;
      });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/slow' });
      c.send('SEND', { destination: '/app/slow', receipt: 'r1' }, 'one');
      c.send('SEND', { destination: '/topic/slow', receipt: 'r2' }, 'two');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(c.take().map((f) => f.body || header(f, 'receipt-id'))).toEqual(['one', 'r1', 'two', 'r2']);
    });

    it('a SEND to an /app destination without a handler is an ERROR', () => {
      const { client } = setup();
      const c = client({});
      c.send('SEND', { destination: '/app/nothing' }, 'x');
      const [error] = c.take();
      expect([error?.command, header(error, 'message')]).toEqual(['ERROR', 'No handler']);
    });

    it('a StompRejection reaches the client; other errors are logged and hidden', async () => {
      const log = vi.fn();
      const { client, broker } = setup({ log });
      broker.onMessage('/reject', () => {
        throw new StompRejection('room is full');
      });
      broker.onMessage('/crash', async () => {
        throw new Error('null pointer');
      });
      const a = client({});
      a.send('SEND', { destination: '/app/reject' }, 'x');
      expect(a.take()[0]?.body).toBe('room is full');
      const b = client({});
      b.send('SEND', { destination: '/app/crash' }, 'x');
      await settle();
      expect(b.take()[0]?.body).toBe('the server failed to process the frame');
      expect(log).toHaveBeenCalledWith('error', expect.stringContaining('null pointer'));
    });

    it('a malformed JSON body is refused with a reason', () => {
      const { client, broker } = setup();
      broker.onMessage('/json', (ctx) => ctx.json());
      const c = client({});
      c.send('SEND', { destination: '/app/json' }, '{nope');
      expect(c.take()[0]?.body).toBe('the body is not valid JSON');
    });

    it('literal patterns win over patterns with variables; unregistering works', () => {
      const { client, broker } = setup();
      broker.onMessage('/rooms/{room}', () => 'variable', { sendTo: '/topic/out' });
      const off = broker.onMessage('/rooms/lobby', () => 'literal', { sendTo: '/topic/out' });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/out' });
      c.send('SEND', { destination: '/app/rooms/lobby' }, 'x');
      off();
      c.send('SEND', { destination: '/app/rooms/lobby' }, 'x');
      expect(c.take().map((f) => f.body)).toEqual(['literal', 'variable']);
    });

    it('SENDs in a transaction reach the handler at COMMIT', () => {
      const { client, broker } = setup();
      const handled: string[] = [];
      broker.onMessage('/log', (ctx) => {
        handled.push(ctx.body);
      });
      const c = client({});
      c.send('BEGIN', { transaction: 't' });
      c.send('SEND', { destination: '/app/log', transaction: 't' }, 'a');
      expect(handled).toEqual([]);
      c.send('COMMIT', { transaction: 't' });
      expect(handled).toEqual(['a']);
    });
  });

  describe('onSubscribe', () => {
    it('answers once, to the subscriber only, on its subscription', () => {
      const { client, broker } = setup();
      broker.onSubscribe('/rooms/{room}/history', (ctx) => [`welcome to ${ctx.params.room}`]);
      const a = client({});
      const b = client({});
      a.send('SUBSCRIBE', { id: 'h', destination: '/app/rooms/9/history', receipt: 'r' });
      const [msg, receipt] = a.take();
      expect([
        msg?.command,
        header(msg, 'subscription'),
        header(msg, 'destination'),
        msg?.body,
        receipt?.command,
      ]).toEqual(['MESSAGE', 'h', '/app/rooms/9/history', '["welcome to 9"]', 'RECEIPT']);
      expect(b.take()).toEqual([]);
      a.send('UNSUBSCRIBE', { id: 'h', receipt: 'u' });
      expect(a.take().map((f) => f.command)).toEqual(['RECEIPT']);
    });

    it('with sendTo the answer is published instead', () => {
      const { client, broker } = setup();
      broker.onSubscribe('/joined/{room}', (ctx) => `someone joined ${ctx.params.room}`, {
        sendTo: '/topic/rooms.{room}',
      });
      const watcher = client({});
      watcher.send('SUBSCRIBE', { id: 'w', destination: '/topic/rooms.3' });
      const joiner = client({});
      joiner.send('SUBSCRIBE', { id: 'j', destination: '/app/joined/3' });
      expect(watcher.take().map((f) => f.body)).toEqual(['someone joined 3']);
      expect(joiner.take()).toEqual([]);
    });
  });

  describe('user destinations', () => {
    it('sendToUser reaches every session of the user and nobody else', async () => {
      const { client, broker } = setup({ authenticate: byLogin });
      const a1 = client({ login: 'alice' });
      const a2 = client({ login: 'alice' });
      const b = client({ login: 'bob' });
      for (const c of [a1, a2, b]) c.send('SUBSCRIBE', { id: 'n', destination: '/user/queue/notes' });
      await broker.sendToUser('alice', '/queue/notes', { text: 'hi' });
      for (const c of [a1, a2]) {
        const [msg] = c.take();
        expect([header(msg, 'destination'), msg?.body]).toEqual(['/user/queue/notes', '{"text":"hi"}']);
      }
      expect(b.take()).toEqual([]);
    });

    it('a client may SEND to another user: /user/{name}/queue/x', () => {
      const { client } = setup({ authenticate: byLogin });
      const bob = client({ login: 'bob' });
      bob.send('SUBSCRIBE', { id: 'n', destination: '/user/queue/inbox' });
      const alicec = client({ login: 'alice' });
      alicec.send('SEND', { destination: '/user/bob/queue/inbox' }, 'psst');
      expect(bob.take().map((f) => f.body)).toEqual(['psst']);
      expect(alicec.take()).toEqual([]);
    });

    it('a user cannot subscribe to another user’s destination', () => {
      const { client } = setup({ authenticate: byLogin });
      const eve = client({ login: 'eve' });
      eve.send('SUBSCRIBE', { id: 'x', destination: '/user/bob/queue/inbox' });
      expect(header(eve.take()[0], 'message')).toBe('Unknown destination');
    });

    it('sendToUser from a handler: broadcast to the user, or only the calling session', () => {
      const { client, broker } = setup({ authenticate: byLogin });
      broker.onMessage('/all', (ctx) => `all:${ctx.body}`, { sendToUser: '/queue/reply' });
      broker.onMessage('/me', (ctx) => `me:${ctx.body}`, { sendToUser: '/queue/reply', broadcast: false });
      const a1 = client({ login: 'alice' });
      const a2 = client({ login: 'alice' });
      for (const c of [a1, a2])
        c.send('SUBSCRIBE', { id: 'r', destination: '/user/queue/reply', ack: 'client' });
      a1.send('SEND', { destination: '/app/all' }, '1');
      a1.send('SEND', { destination: '/app/me' }, '2');
      expect(a1.take().map((f) => f.body)).toEqual(['all:1', 'me:2']);
      expect(a2.take().map((f) => f.body)).toEqual(['all:1']);
      expect(broker.stats().broker.consumers).toBe(2);
    });

    it('an anonymous session gets replies on its own user destination', () => {
      const { client, broker } = setup();
      broker.onMessage('/whoami', (ctx) => ctx.session.id, { sendToUser: '/queue/me' });
      const a = client({});
      const b = client({});
      for (const c of [a, b]) c.send('SUBSCRIBE', { id: 'm', destination: '/user/queue/me' });
      a.send('SEND', { destination: '/app/whoami' }, '');
      expect(a.take().map((f) => f.body)).toEqual([a.connection.id]);
      expect(b.take()).toEqual([]);
    });
  });

  describe('publish and message ids', () => {
    it('message ids are unique and increase within every destination', async () => {
      const { client, broker } = setup();
      const c = client({});
      c.send('SUBSCRIBE', { id: '1', destination: '/topic/a' });
      c.send('SUBSCRIBE', { id: '2', destination: '/topic/b' });
      for (let i = 0; i < 5; i++) {
        await broker.publish('/topic/a', `a${i}`);
        await broker.publish('/topic/b', `b${i}`);
      }
      const frames = c.take();
      const ids = (sub: string) =>
        frames.filter((f) => header(f, 'subscription') === sub).map((f) => Number(header(f, 'message-id')));
      for (const list of [ids('1'), ids('2')]) {
        expect(list).toHaveLength(5);
        expect([...list].sort((x, y) => x - y)).toEqual(list);
      }
      expect(new Set([...ids('1'), ...ids('2')]).size).toBe(10);
    });

    it('publish resolves with the message id; explicit headers override defaults', async () => {
      const { client, broker } = setup();
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
      const id = await broker.publish('/topic/a', 'x', { 'content-type': 'text/markdown', 'x-k': 'v' });
      const [msg] = c.take();
      expect([header(msg, 'message-id'), header(msg, 'content-type'), header(msg, 'x-k')]).toEqual([
        id,
        'text/markdown',
        'v',
      ]);
    });

    it('publish refuses destinations outside the broker prefixes', async () => {
      const { broker } = setup();
      await expect(broker.publish('/app/x', 'x')).rejects.toThrow(TypeError);
      await expect(broker.publish('/user/bob/queue/x', 'x')).rejects.toThrow(TypeError);
    });

    it('prefixes are configurable', () => {
      const { client, broker } = setup({
        prefixes: {
          application: ['/svc'],
          broker: ['/exchange'],
          user: '/me',
          applicationReply: '/exchange/replies',
        },
      });
      broker.onMessage('/ping', () => 'pong');
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/exchange/replies/ping' });
      c.send('SEND', { destination: '/svc/ping' }, '');
      expect(c.take().map((f) => f.body)).toEqual(['pong']);
      c.send('SUBSCRIBE', { id: 't', destination: '/topic/x' });
      expect(header(c.take()[0], 'message')).toBe('Unknown destination');
    });

    it('a SEND may not forge server headers', () => {
      const { client } = setup();
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/a' });
      c.send(
        'SEND',
        {
          destination: '/topic/a',
          'message-id': 'forged',
          subscription: 'forged',
          ack: 'forged',
          'sockwire-target-session': 'x',
        },
        'x',
      );
      const [msg] = c.take();
      expect([header(msg, 'message-id'), header(msg, 'subscription'), header(msg, 'ack')]).toEqual([
        expect.not.stringMatching('forged'),
        's',
        undefined,
      ]);
    });
  });

  it('names the principal from an authenticated session', async () => {
    const { client, broker } = setup({ authenticate: () => alice });
    let seen: string | undefined;
    broker.onMessage('/who', (ctx) => {
      seen = ctx.session.principal?.name;
    });
    const c = client({});
    c.send('SEND', { destination: '/app/who' }, '');
    await settle();
    expect(seen).toBe('alice');
  });
});
