import { describe, expect, it, vi } from 'vitest';
import { type StompFrame, type StompPrincipal, StompRejection } from '../../src/stomp/index.js';
import { header, settle, setup } from './support/test-client.js';

const summary = (frames: StompFrame[]) =>
  frames.map((f) => [f.command, header(f, 'message') ?? header(f, 'receipt-id') ?? f.body]);

describe('STOMP security hooks (fake connection)', () => {
  describe('authenticate', () => {
    const authenticate = async (
      headers: readonly (readonly [string, string])[],
    ): Promise<StompPrincipal | undefined> => {
      const login = headers.find(([name]) => name === 'login')?.[1];
      const passcode = headers.find(([name]) => name === 'passcode')?.[1];
      if (login === undefined) return undefined;
      if (passcode !== 'secret') throw new StompRejection(`bad passcode for ${login}`);
      return { name: login, role: 'user' };
    };

    it('an accepted principal is named in CONNECTED user-name', async () => {
      const { client } = setup({ authenticate });
      const c = client();
      c.send('CONNECT', { 'accept-version': '1.2', login: 'alice', passcode: 'secret' });
      await settle();
      const [connected] = c.take();
      expect(header(connected, 'user-name')).toBe('alice');
    });

    it('a StompRejection is an ERROR saying why, then close', async () => {
      const { client, broker } = setup({ authenticate });
      const c = client();
      c.send('CONNECT', { 'accept-version': '1.2', login: 'alice', passcode: 'wrong' });
      await settle();
      const [error] = c.take();
      expect([error?.command, header(error, 'message'), error?.body]).toEqual([
        'ERROR',
        'Authentication failed',
        'bad passcode for alice',
      ]);
      expect(c.closed).toBe(true);
      expect(broker.stats().errors.authentication).toBe(1);
    });

    it('other errors are logged, and the client gets a generic reason', async () => {
      const log = vi.fn();
      const { client } = setup({
        log,
        authenticate: () => {
          throw new Error('database down');
        },
      });
      const c = client();
      c.send('CONNECT', { 'accept-version': '1.2' });
      await settle();
      expect(c.take()[0]?.body).toBe('the credentials could not be verified');
      expect(log).toHaveBeenCalledWith('error', expect.stringContaining('database down'));
    });

    it('gets the CONNECT headers unescaped and the handshake request', () => {
      const seen: unknown[] = [];
      const { client } = setup({
        authenticate: (headers, request) => {
          seen.push(headers.find(([n]) => n === 'passcode')?.[1], request.transport, request.headers.host);
          return { name: 'x' };
        },
      });
      client({ passcode: 'a\\cb:c' }, { transport: 'xhr-polling' });
      expect(seen).toEqual(['a\\cb:c', 'xhr-polling', 'localhost']);
    });

    it('holds frames sent behind the CONNECT until authentication ends', async () => {
      const { client } = setup({ authenticate });
      const c = client();
      c.raw(
        `${'CONNECT\naccept-version:1.2\nlogin:bob\npasscode:secret\n\n\0'}BEGIN\ntransaction:t\nreceipt:r\n\n\0`,
      );
      expect(c.take()).toEqual([]);
      await settle();
      expect(summary(c.take())).toEqual([
        ['CONNECTED', ''],
        ['RECEIPT', 'r'],
      ]);
    });

    it('tracks sessions per user', async () => {
      const { client, broker } = setup({ authenticate });
      client({ login: 'alice', passcode: 'secret' });
      client({ login: 'alice', passcode: 'secret' });
      await settle();
      expect(broker.userSessions('alice')).toHaveLength(2);
      expect(broker.stats().sessions.users).toBe(1);
    });
  });

  describe('authorize', () => {
    const authorize = (_principal: StompPrincipal | undefined, action: string, destination: string) =>
      !(action === 'send' && destination.startsWith('/topic/admin')) &&
      !(action === 'subscribe' && destination === '/topic/secret');

    it('a refused SEND is an ERROR (with receipt-id) and a close', () => {
      const { client } = setup({ authorize });
      const c = client({});
      c.send('SEND', { destination: '/topic/admin/x', receipt: 'r' }, 'hi');
      expect(summary(c.take())).toEqual([['ERROR', 'Access denied']]);
      expect(c.closed).toBe(true);
    });

    it('a refused SUBSCRIBE names the destination', () => {
      const { client, broker } = setup({ authorize });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/secret' });
      expect(c.take()[0]?.body).toBe('not allowed to subscribe /topic/secret');
      expect(broker.stats().errors.authorization).toBe(1);
    });

    it('may answer asynchronously; allowed frames go through', async () => {
      const { client } = setup({ authorize: async () => true });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/t', receipt: 'r' });
      c.send('SEND', { destination: '/topic/t' }, 'hi');
      await settle();
      expect(summary(c.take())).toEqual([
        ['RECEIPT', 'r'],
        ['MESSAGE', 'hi'],
      ]);
    });

    it('sees user destinations as the client wrote them', () => {
      const seen: string[] = [];
      const { client } = setup({
        authorize: (_p, action, destination) => {
          seen.push(`${action} ${destination}`);
          return true;
        },
      });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/user/queue/notes' });
      c.send('SEND', { destination: '/user/bob/queue/notes' }, 'x');
      expect(seen).toEqual(['subscribe /user/queue/notes', 'send /user/bob/queue/notes']);
    });
  });

  describe('interceptors', () => {
    it('inbound: replace, drop, or refuse a frame', () => {
      const { client } = setup({
        interceptors: {
          inbound: [
            (frame) => {
              if (frame.command !== 'SEND') return undefined;
              if (frame.body === 'drop') return null;
              if (frame.body === 'refuse') throw new StompRejection('no refusing');
              return { ...frame, headers: [...frame.headers, ['x-seen', 'yes']] };
            },
          ],
        },
      });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/t' });
      c.send('SEND', { destination: '/topic/t', receipt: 'dropped' }, 'drop');
      c.send('SEND', { destination: '/topic/t' }, 'keep');
      const frames = c.take();
      expect(summary(frames)).toEqual([['MESSAGE', 'keep']]);
      expect(header(frames[0], 'x-seen')).toBe('yes');
      c.send('SEND', { destination: '/topic/t' }, 'refuse');
      expect(summary(c.take())).toEqual([['ERROR', 'Frame rejected']]);
    });

    it('inbound interceptors may be async, in order', async () => {
      const order: string[] = [];
      const { client } = setup({
        interceptors: {
          inbound: [
            async (frame) => {
              order.push(`1 ${frame.command}`);
            },
            (frame) => {
              order.push(`2 ${frame.command}`);
            },
          ],
        },
      });
      const c = client();
      c.send('CONNECT', { 'accept-version': '1.2' });
      c.send('BEGIN', { transaction: 't' });
      await settle();
      expect(order).toEqual(['1 CONNECT', '2 CONNECT', '1 BEGIN', '2 BEGIN']);
    });

    it('outbound: rewrite or drop frames before encoding', () => {
      const { client } = setup({
        interceptors: {
          outbound: [
            (frame) =>
              frame.body === 'secret' ? null : { ...frame, headers: [...frame.headers, ['x-out', '1']] },
          ],
        },
      });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/t' });
      c.send('SEND', { destination: '/topic/t' }, 'secret');
      c.send('SEND', { destination: '/topic/t' }, 'public');
      const frames = c.take();
      expect(summary(frames)).toEqual([['MESSAGE', 'public']]);
      expect(header(frames[0], 'x-out')).toBe('1');
    });
  });
});
