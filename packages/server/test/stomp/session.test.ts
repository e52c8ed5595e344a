import { describe, expect, it } from 'vitest';
import { header, setup } from './support/test-client.js';

describe('STOMP session (fake connection, manual clock)', () => {
  describe('heart-beats', () => {
    it('sends an EOL after the negotiated idle time: max(sx, cy)', () => {
      const { clock, client } = setup({ heartbeat: { outgoing: 5000, incoming: 0 } });
      const c = client({ 'heart-beat': '0,8000' });
      clock.advance(7999);
      expect(c.heartbeats).toBe(0);
      clock.advance(1);
      expect(c.heartbeats).toBe(1);
      clock.advance(8000);
      expect(c.heartbeats).toBe(2);
    });

    it('any frame written counts as a heart-beat', () => {
      const { clock, client } = setup({ heartbeat: { outgoing: 1000, incoming: 0 } });
      const c = client({ 'heart-beat': '0,1000' });
      clock.advance(900);
      c.send('BEGIN', { transaction: 't', receipt: 'r' });
      clock.advance(900);
      expect(c.heartbeats).toBe(0);
      clock.advance(100);
      expect(c.heartbeats).toBe(1);
    });

    it('drops a silent client after max(cx, sy) × tolerance with ERROR then close 2011', () => {
      const { clock, client } = setup({ heartbeat: { outgoing: 0, incoming: 1000 }, heartbeatTolerance: 3 });
      const c = client({ 'heart-beat': '2000,0' });
      clock.advance(5999);
      expect(c.closed).toBe(false);
      clock.advance(1);
      expect(c.take().map((f) => [f.command, header(f, 'message')])).toEqual([
        ['ERROR', 'Heart-beat timeout'],
      ]);
      expect(c.connection.closeInfo?.code).toBe(2011);
    });

    it('any data, EOLs included, resets the read deadline', () => {
      const { clock, client } = setup({ heartbeat: { outgoing: 0, incoming: 1000 }, heartbeatTolerance: 2 });
      const c = client({ 'heart-beat': '1000,0' });
      for (let i = 0; i < 10; i++) {
        clock.advance(1500);
        c.raw('\n');
      }
      expect(c.closed).toBe(false);
      expect(c.take()).toEqual([]);
    });

    it('no timers when either side says 0', () => {
      const { clock, client } = setup();
      const c = client({ 'heart-beat': '0,0' });
      expect(clock.pending).toBe(0);
      clock.advance(1_000_000);
      expect(c.closed).toBe(false);
      expect(c.heartbeats).toBe(0);
    });

    it('1.0 sessions have no heart-beats and no heart-beat header', () => {
      const { clock, client } = setup();
      const c = client();
      c.send('CONNECT', { 'heart-beat': '1000,1000' });
      const [connected] = c.take();
      expect(header(connected, 'version')).toBe('1.0');
      expect(header(connected, 'heart-beat')).toBeUndefined();
      expect(clock.pending).toBe(0);
    });

    it('stops its timers when the connection closes', () => {
      const { clock, client } = setup();
      const c = client({ 'heart-beat': '10000,10000' });
      expect(clock.pending).toBe(2);
      c.connection.drop();
      expect(clock.pending).toBe(0);
    });
  });

  describe('connect', () => {
    it('closes a connection that sends no CONNECT in time', () => {
      const { clock, client } = setup({ connectTimeout: 5000 });
      const c = client();
      clock.advance(5000);
      expect(c.take()[0]?.command).toBe('ERROR');
      expect(c.closed).toBe(true);
    });

    it('the WebSocket subprotocol caps the version: v11.stomp gives 1.1', () => {
      const { client } = setup();
      const c = client(undefined, { subprotocol: 'v11.stomp' });
      c.send('CONNECT', { 'accept-version': '1.0,1.1,1.2' });
      expect(header(c.take()[0], 'version')).toBe('1.1');
    });

    it('no accept-version is 1.0 whatever the subprotocol', () => {
      const { client } = setup();
      const c = client(undefined, { subprotocol: 'v12.stomp' });
      c.send('CONNECT', {});
      expect(header(c.take()[0], 'version')).toBe('1.0');
    });

    it('a subprotocol below every accepted version is a version mismatch', () => {
      const { client } = setup();
      const c = client(undefined, { subprotocol: 'v10.stomp' });
      c.send('CONNECT', { 'accept-version': '1.2' });
      expect(header(c.take()[0], 'message')).toBe('Version mismatch');
    });

    it('a server limited to 1.2 refuses 1.0 clients with the versions it has', () => {
      const { client } = setup({ versions: ['1.2'] });
      const c = client();
      c.send('CONNECT', {});
      const [error] = c.take();
      expect([error?.command, header(error, 'version')]).toEqual(['ERROR', '1.2']);
    });

    it('frames pipelined after CONNECT are parsed with the negotiated escaping', () => {
      const { client } = setup();
      const c = client();
      c.raw(
        'CONNECT\naccept-version:1.2\n\n\0SUBSCRIBE\nid:s\\c1\ndestination:/topic/a\nreceipt:r\n\n\0SEND\ndestination:/topic/a\nk:a\\cb\n\nx\0',
      );
      const frames = c.take();
      expect(frames.map((f) => f.command)).toEqual(['CONNECTED', 'RECEIPT', 'MESSAGE']);
      expect([header(frames[2], 'subscription'), header(frames[2], 'k')]).toEqual(['s:1', 'a:b']);
    });
  });

  describe('acknowledgement in older versions', () => {
    it('1.1 acknowledges by message-id and subscription', () => {
      const { client, broker } = setup();
      const c = client();
      c.send('CONNECT', { 'accept-version': '1.1' });
      c.send('SUBSCRIBE', { id: 's1', destination: '/queue/q', ack: 'client-individual' });
      c.take();
      void broker.publish('/queue/q', 'm1');
      const [message] = c.take();
      c.send('ACK', { 'message-id': header(message, 'message-id') ?? '', subscription: 's1', receipt: 'r' });
      expect(c.take().map((f) => f.command)).toEqual(['RECEIPT']);
      c.send('ACK', { 'message-id': header(message, 'message-id') ?? '', receipt: 'r2' });
      expect(c.take().map((f) => [f.command, header(f, 'message')])).toEqual([
        ['ERROR', 'Missing subscription header'],
      ]);
    });

    it('1.0 acknowledges by message-id alone and has no NACK', () => {
      const { client, broker } = setup();
      const c = client();
      c.send('CONNECT');
      c.send('SUBSCRIBE', { destination: '/queue/q', id: 's', ack: 'client' });
      void broker.publish('/queue/q', 'm1');
      const [, message] = c.take();
      c.send('ACK', { 'message-id': header(message, 'message-id') ?? '', receipt: 'r' });
      expect(c.take().map((f) => f.command)).toEqual(['RECEIPT']);
      c.send('NACK', { 'message-id': '1' });
      expect(c.take().map((f) => [f.command, header(f, 'message')])).toEqual([['ERROR', 'Unknown command']]);
    });
  });

  describe('slow consumers', () => {
    it('closes with 2012 once the connection buffers more than maxBufferedBytes', () => {
      const { client, broker } = setup({ slowConsumer: { maxBufferedBytes: 1000 } });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/t' });
      c.connection.writeResult = false;
      for (let i = 0; i < 5; i++) void broker.publish('/topic/t', 'x'.repeat(300));
      expect(c.connection.closeInfo?.code).toBe(2012);
      expect(broker.stats().errors['slow-consumer']).toBe(1);
    });

    it('closes a connection that has not drained for sendTimeLimit when more is written', () => {
      const { client, broker, clock } = setup({ slowConsumer: { sendTimeLimit: 1000 } });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/t' });
      c.connection.writeResult = false;
      void broker.publish('/topic/t', 'a');
      clock.advance(1001);
      expect(c.closed).toBe(false);
      void broker.publish('/topic/t', 'b');
      expect(c.connection.closeInfo?.code).toBe(2012);
    });

    it('a drain clears the blocked state', () => {
      const { client, broker, clock } = setup({ slowConsumer: { sendTimeLimit: 1000 } });
      const c = client({});
      c.send('SUBSCRIBE', { id: 's', destination: '/topic/t' });
      c.connection.writeResult = false;
      void broker.publish('/topic/t', 'a');
      clock.advance(900);
      c.connection.writeResult = true;
      c.connection.drain();
      clock.advance(900);
      void broker.publish('/topic/t', 'b');
      expect(c.closed).toBe(false);
    });
  });

  describe('lifecycle and stats', () => {
    it('counts sessions by transport, frames by command and errors by kind', () => {
      const { client, broker } = setup();
      const a = client({}, { transport: 'xhr-streaming' });
      client({}, { transport: 'tcp' });
      a.send('SUBSCRIBE', { id: 's', destination: '/topic/t', receipt: 'r' });
      a.send('FROB');
      const stats = broker.stats();
      expect(stats.sessions).toEqual({ open: 1, total: 2, byTransport: { tcp: 1 }, users: 0 });
      expect(stats.framesIn).toEqual({ CONNECT: 2, SUBSCRIBE: 1, '(unknown)': 1 });
      expect(stats.framesOut).toEqual({ CONNECTED: 2, RECEIPT: 1, ERROR: 1 });
      expect(stats.errors.protocol).toBe(1);
    });

    it('close() ends every session with 1001 and refuses new connections', async () => {
      const { client, broker } = setup();
      const a = client({});
      await broker.close();
      expect(a.connection.closeInfo?.code).toBe(1001);
      const late = client();
      expect(late.connection.closeInfo?.code).toBe(1001);
    });

    it('an ERROR closes with 1002, a refused login with 1008', () => {
      const { client } = setup({
        authenticate: () => {
          throw new Error('no');
        },
      });
      const a = client();
      a.send('SEND');
      expect(a.connection.closeInfo?.code).toBe(1002);
      const b = client({});
      expect(b.connection.closeInfo?.code).toBe(1008);
    });

    it('returns unacknowledged queue messages when the connection is lost', () => {
      const { client, broker } = setup();
      const a = client({});
      a.send('SUBSCRIBE', { id: 's', destination: '/queue/q', ack: 'client' });
      void broker.publish('/queue/q', 'm');
      a.connection.drop();
      const b = client({});
      b.send('SUBSCRIBE', { id: 's', destination: '/queue/q' });
      const [message] = b.take();
      expect([message?.body, header(message, 'redelivered')]).toEqual(['m', 'true']);
    });

    it('bounds frames waiting behind an async step', async () => {
      const { client } = setup({ maxPendingFrames: 3, authenticate: () => new Promise(() => {}) });
      const c = client();
      c.raw(`${'CONNECT\n\n\0'}${'BEGIN\ntransaction:t\n\n\0'.repeat(4)}`);
      expect(c.take().map((f) => [f.command, header(f, 'message')])).toEqual([
        ['ERROR', 'Too many pending frames'],
      ]);
    });
  });
});
