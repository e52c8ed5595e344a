import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Timers } from '../../src/index.js';
import { POST, pending, sessionUrl, startServer, stream, type TestServer, until } from './helpers.js';

/** A manual clock: timers fire only when the test advances it, so heartbeats and delays need no waiting. */
class ManualTimers implements Timers {
  protected now = 0;
  private nextId = 1;
  protected readonly pendingTimers = new Map<number, { at: number; ms: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pendingTimers.set(id, { at: this.now + ms, ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pendingTimers.delete(handle as number);
  }

  get count(): number {
    return this.pendingTimers.size;
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pendingTimers)
        if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pendingTimers.delete(next[0]);
      this.now = next[1].at;
      next[1].callback();
    }
    this.now = until;
  }
}

/** The same clock with Node's `Timeout.refresh()`, the path sessions take with the system timers. */
class RefreshingManualTimers extends ManualTimers {
  refresh(handle: unknown): void {
    const timer = this.pendingTimers.get(handle as number);
    if (timer !== undefined) this.pendingTimers.set(handle as number, { ...timer, at: this.now + timer.ms });
  }
}

describe.each([
  ['clearTimeout + setTimeout', new ManualTimers()],
  ['refresh', new RefreshingManualTimers()],
])('session timers (manual clock, heartbeat re-armed by %s)', (_name, timers) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ timed: { heartbeatDelay: 25_000, disconnectDelay: 5_000, timers } });
  });
  afterAll(() => server.close());

  const stats = () => server.services.timed?.stats();

  it('sends a heartbeat on a silent stream every heartbeatDelay', async () => {
    const url = sessionUrl(server.base, 'timed');
    const s = await stream('POST', `${url}/xhr_streaming`);
    await s.read();
    expect(await s.read()).toBe('o\n');
    timers.advance(24_999);
    timers.advance(1);
    expect(await s.read()).toBe('h\n');
    timers.advance(25_000);
    expect(await s.read()).toBe('h\n');
    s.abort();
    await until(() => stats()?.connections['xhr-streaming'] === undefined);
  });

  it('counts the heartbeat delay from the last frame sent', async () => {
    const opened = once(server.services.timed as NonNullable<typeof server.services.timed>, 'connection');
    const url = sessionUrl(server.base, 'timed');
    const s = await stream('POST', `${url}/xhr_streaming`);
    await s.read();
    expect(await s.read()).toBe('o\n');
    const [connection] = (await opened) as [{ write(message: string): boolean }];
    timers.advance(10_000);
    connection.write('busy');
    expect(await s.read()).toBe('a["busy"]\n');
    timers.advance(24_999);
    connection.write('still busy');
    expect(await s.read()).toBe('a["still busy"]\n');
    timers.advance(24_999);
    timers.advance(1);
    expect(await s.read()).toBe('h\n');
    s.abort();
    await until(() => stats()?.connections['xhr-streaming'] === undefined);
  });

  it('answers a waiting poll with a heartbeat', async () => {
    const url = sessionUrl(server.base, 'timed');
    await POST(`${url}/xhr`);
    // Our listener runs after the server's own, so once it fires the poll is attached to its session.
    const arrived = once(server.http, 'request');
    const poll = pending('POST', `${url}/xhr`);
    await arrived;
    timers.advance(25_000);
    expect((await poll.done).body).toBe('h\n');
  });

  it('closes a session without receiving requests after disconnectDelay, and tells the application', async () => {
    const closed = new Promise<unknown>((resolve) =>
      server.services.timed?.once('connection', (connection) => connection.once('close', resolve)),
    );
    const url = sessionUrl(server.base, 'timed');
    await POST(`${url}/xhr`);
    timers.advance(4_999);
    expect((await POST(`${url}/xhr_send`, '["still here"]')).status).toBe(204);
    timers.advance(1);
    expect(await closed).toEqual({ code: 1006, reason: 'Session timed out', wasClean: false });
    expect((await POST(`${url}/xhr_send`, '["x"]')).status).toBe(404);
  });

  it('keeps a closed session answering with its close frame for disconnectDelay, then forgets it', async () => {
    const url = sessionUrl(server.base, 'timed');
    let close: (() => void) | undefined;
    server.services.timed?.once('connection', (connection) => {
      close = () => connection.close(4000, 'done');
    });
    await POST(`${url}/xhr`);
    close?.();
    expect((await POST(`${url}/xhr`)).body).toBe('c[4000,"done"]\n');
    timers.advance(4_000);
    expect((await POST(`${url}/xhr`)).body).toBe('c[4000,"done"]\n');
    timers.advance(5_000);
    // Forgotten: the same id now opens a new session.
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
  });

  it('holds no timer once every session is gone', async () => {
    timers.advance(60_000);
    await until(() => stats()?.sessionIds === 0);
    expect(stats()?.timers).toBe(0);
    expect(timers.count).toBe(0);
  });
});
