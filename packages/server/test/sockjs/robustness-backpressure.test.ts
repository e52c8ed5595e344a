import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CloseInfo, Connection } from '@sockwire/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST, sessionUrl, startServer, type TestServer } from './helpers.js';
import {
  expectHealthy,
  failOnEscapedErrors,
  ManualClock,
  nextConnection,
  openWebSocket,
  rawClient,
  requestHead,
  type WsClient,
} from './robustness-support.js';

/*
 * Backpressure: write() says when to wait, 'drain' says when to go on, and a client that stops reading is
 * closed with 2012 "Buffer overflow" instead of growing the server's memory without bound.
 */

failOnEscapedErrors();

const HIGH_WATER_MARK = 64 * 1024;
const MAX_BUFFERED = 1024 * 1024;
/** Three of these per event-loop turn stay under the high-water mark: only a stalled socket crosses it. */
const CHUNK = 'x'.repeat(16 * 1024);
/** Far more than the loopback socket buffers of a non-reading peer can absorb (a few MiB). */
const MAX_TURNS = 4000;

/** Session lifetimes run on this clock, so that no test depends on how fast the machine is. */
const clock = new ManualClock();

let server: TestServer;
beforeAll(async () => {
  server = await startServer(
    {
      // A response limit no test reaches, so streams end only when the tests want them to.
      bp: { highWaterMark: HIGH_WATER_MARK, maxBufferedBytes: MAX_BUFFERED, responseLimit: 1 << 30 },
    },
    { timers: clock },
  );
});
afterAll(() => server.close());

const service = () => server.services.bp!;
const wsUrl = (url: string) => url.replace(/^http:/, 'ws:');
const closeOf = (connection: Connection): Promise<CloseInfo> =>
  new Promise((resolve) => connection.once('close', resolve));
const drainOf = (connection: Connection): Promise<void> =>
  new Promise((resolve) => connection.once('drain', resolve));

/** A well-behaved writer: three chunks a turn, stopping as soon as write() asks it to wait. */
async function writeUntilFull(connection: Connection): Promise<void> {
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    for (let i = 0; i < 3; i++) if (!connection.write(CHUNK)) return;
    await nextTurn();
  }
  throw new Error('write() never returned false although the client does not read');
}

/** A careless writer that ignores write()'s answer, until the server gives up on the client. */
async function writeUntilClosed(connection: Connection): Promise<void> {
  for (let turn = 0; turn < MAX_TURNS && connection.state === 'open'; turn++) {
    for (let i = 0; i < 3; i++) connection.write(CHUNK);
    await nextTurn();
  }
  expect(connection.state).not.toBe('open');
}

/** A SockJS WebSocket session (or the raw endpoint) and the server's side of it. */
async function openWs(raw: boolean): Promise<{ client: WsClient; connection: Connection }> {
  const connected = nextConnection(service());
  const url = raw ? `${server.base}/bp/websocket` : `${sessionUrl(server.base, 'bp')}/websocket`;
  const client = await openWebSocket(wsUrl(url));
  if (!raw) expect(await client.next()).toBe('o');
  return { client, connection: await connected };
}

describe('write() and drain', () => {
  it('a message above highWaterMark makes write() return false; drain follows once it is flushed', async () => {
    const { client, connection } = await openWs(false);
    const drained = drainOf(connection);
    expect(connection.write('y'.repeat(HIGH_WATER_MARK))).toBe(false);
    expect(connection.bufferedAmount).toBeGreaterThanOrEqual(HIGH_WATER_MARK);
    await drained;
    expect(connection.bufferedAmount).toBeLessThan(HIGH_WATER_MARK);
    expect(await client.next()).toBe(`a["${'y'.repeat(HIGH_WATER_MARK)}"]`);
    client.ws.close();
    await expectHealthy(server, { clock });
  });

  for (const raw of [false, true]) {
    it(`${raw ? 'raw' : 'SockJS'} WebSocket: write() returns false while the client does not read, drain once it does`, async () => {
      const { client, connection } = await openWs(raw);
      client.socket.pause();
      await writeUntilFull(connection);
      expect(connection.bufferedAmount).toBeGreaterThanOrEqual(HIGH_WATER_MARK);
      let drained = false;
      const drain = drainOf(connection).then(() => {
        drained = true;
      });
      // Several turns of the event loop in which the server could flush, if the client read.
      for (let i = 0; i < 20; i++) await nextTurn();
      expect(drained).toBe(false);
      client.socket.resume();
      await drain;
      expect(connection.write('done')).toBe(true);
      const last = raw ? 'done' : 'a["done"]';
      while (client.messages.at(-1) !== last) await client.next();
      client.ws.close();
      await expectHealthy(server, { clock });
    });
  }

  it('xhr_streaming: write() returns false while the client does not read, drain once it does', async () => {
    const connected = nextConnection(service());
    const client = await rawClient(server.port);
    await client.send(
      requestHead('POST', `${new URL(sessionUrl(server.base, 'bp')).pathname}/xhr_streaming`),
    );
    await client.waitFor('o\n');
    const connection = await connected;
    client.socket.pause();
    await writeUntilFull(connection);
    const drain = drainOf(connection);
    client.socket.resume();
    await drain;
    connection.close();
    await client.waitFor('c[1000,"Normal closure"]\n');
    client.socket.end();
    await expectHealthy(server, { clock });
  });

  it('a polling session between polls queues: false above highWaterMark, drain when a poll takes the queue', async () => {
    const connected = nextConnection(service());
    const url = sessionUrl(server.base, 'bp');
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    const connection = await connected;
    expect(connection.write(CHUNK)).toBe(true);
    expect(connection.write(CHUNK.repeat(3))).toBe(false);
    const drain = drainOf(connection);
    expect((await POST(`${url}/xhr`)).body).toBe(`a["${CHUNK}","${CHUNK.repeat(3)}"]\n`);
    await drain;
    await expectHealthy(server, { clock });
  });
});

describe('a client that does not read is closed with 2012 "Buffer overflow"', () => {
  const overflow = { code: 2012, reason: 'Buffer overflow', wasClean: true };

  it('SockJS WebSocket: closed once maxBufferedBytes is passed; the client finds c[2012] when it reads again', async () => {
    const { client, connection } = await openWs(false);
    const closed = closeOf(connection);
    client.socket.pause();
    await writeUntilClosed(connection);
    expect(await closed).toEqual(overflow);
    client.socket.resume();
    // 2012 is not a code a WebSocket close frame may carry: the socket closes with 1008 (policy).
    expect(await client.closed).toEqual({ code: 1008, reason: 'Buffer overflow' });
    expect(client.messages.at(-1)).toBe('c[2012,"Buffer overflow"]');
    await expectHealthy(server, { clock });
  });

  it('raw WebSocket: the socket closes with 1008, the application hears 2012 "Buffer overflow"', async () => {
    const { client, connection } = await openWs(true);
    const closed = closeOf(connection);
    client.socket.pause();
    await writeUntilClosed(connection);
    client.socket.resume();
    expect(await client.closed).toEqual({ code: 1008, reason: 'Buffer overflow' });
    expect(await closed).toMatchObject({ code: 2012, reason: 'Buffer overflow' });
    await expectHealthy(server, { clock });
  });

  it('xhr_streaming read by a raw TCP client that stops reading', async () => {
    const connected = nextConnection(service());
    const url = sessionUrl(server.base, 'bp');
    const client = await rawClient(server.port);
    await client.send(requestHead('POST', `${new URL(url).pathname}/xhr_streaming`));
    await client.waitFor('o\n');
    const connection = await connected;
    const closed = closeOf(connection);
    client.socket.pause();
    await writeUntilClosed(connection);
    expect(await closed).toEqual(overflow);
    client.socket.resume();
    await client.waitFor('c[2012,"Buffer overflow"]\n\r\n0\r\n\r\n');
    expect((await POST(`${url}/xhr`)).body).toBe('c[2012,"Buffer overflow"]\n');
    client.socket.end();
    await expectHealthy(server, { clock });
  });

  it('a polling session with no poll: queued bytes past maxBufferedBytes close it; the next poll says why', async () => {
    const connected = nextConnection(service());
    const url = sessionUrl(server.base, 'bp');
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    const connection = await connected;
    const closed = closeOf(connection);
    let writes = 0;
    while (connection.write(CHUNK) || connection.state === 'open') writes++;
    expect(writes * CHUNK.length).toBeLessThanOrEqual(MAX_BUFFERED);
    expect(connection.write('too late')).toBe(false);
    // The queue was dropped: the client gets the reason, not megabytes it failed to collect in time.
    expect((await POST(`${url}/xhr`)).body).toBe('c[2012,"Buffer overflow"]\n');
    expect(await closed).toEqual(overflow);
    await expectHealthy(server, { clock });
  });
});
