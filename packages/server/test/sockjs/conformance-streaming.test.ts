import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GET,
  POST,
  PROTOCOL_SUITE_OPTIONS,
  sessionUrl,
  startServer,
  stream,
  type TestServer,
} from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, PROTOCOL_SUITE_OPTIONS);
});
afterAll(() => server.close());

const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
const PRELUDE = 'h'.repeat(2048) + '\n';

describe('xhr-streaming', () => {
  it('sends the prelude, the open frame, then one line per frame', async () => {
    const url = sessionUrl(server.base);
    const s = await stream('POST', `${url}/xhr_streaming`, { Origin: 'test' });
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('application/javascript; charset=UTF-8');
    expect(s.headers['access-control-allow-origin']).toBe('test');
    expect(s.headers['cache-control']).toBe(NO_CACHE);
    expect(await s.read()).toBe(PRELUDE);
    expect(await s.read()).toBe('o\n');
    expect((await POST(`${url}/xhr_send`, '["x"]')).status).toBe(204);
    expect(await s.read()).toBe('a["x"]\n');
    s.abort();
  });

  it('ends the response once it has carried the response limit', async () => {
    const url = sessionUrl(server.base);
    const s = await stream('POST', `${url}/xhr_streaming`);
    await s.read();
    expect(await s.read()).toBe('o\n');
    const message = '"' + 'x'.repeat(128) + '"';
    // 2 bytes of open frame plus 31 lines of 135 bytes pass the 4096-byte limit on the last one.
    for (let i = 0; i < 31; i++) {
      expect((await POST(`${url}/xhr_send`, `[${message}]`)).status).toBe(204);
      expect(await s.read()).toBe(`a[${message}]\n`);
    }
    expect(await s.read()).toBeNull();
    // The session lives on: a new streaming request picks it up without a new open frame.
    const next = await stream('POST', `${url}/xhr_streaming`);
    expect(await next.read()).toBe(PRELUDE);
    await POST(`${url}/xhr_send`, '["again"]');
    expect(await next.read()).toBe('a["again"]\n');
    next.abort();
  });
});

describe('eventsource', () => {
  it('streams data events and never lets a frame break the event format', async () => {
    const url = sessionUrl(server.base);
    const s = await stream('GET', `${url}/eventsource`);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream');
    expect(s.headers['cache-control']).toBe(NO_CACHE);
    expect(await s.read()).toBe('\r\n');
    expect(await s.read()).toBe('data: o\r\n\r\n');
    await POST(`${url}/xhr_send`, '["x"]');
    expect(await s.read()).toBe('data: a["x"]\r\n\r\n');
    await POST(`${url}/xhr_send`, String.raw`["  \u0000\n\r "]`);
    expect(await s.read()).toBe('data: a["  \\u0000\\n\\r "]\r\n\r\n');
    s.abort();
  });

  it('ends the response at the limit', async () => {
    const url = sessionUrl(server.base);
    const s = await stream('GET', `${url}/eventsource`);
    await s.read();
    expect(await s.read()).toBe('data: o\r\n\r\n');
    const message = '"' + 'x'.repeat(4096) + '"';
    await POST(`${url}/xhr_send`, `[${message}]`);
    expect(await s.readText(`data: a[${message}]\r\n\r\n`.length)).toBe(`data: a[${message}]\r\n\r\n`);
    expect(await s.read()).toBeNull();
  });
});

describe('htmlfile', () => {
  it('sends a padded page head, then script chunks', async () => {
    const url = sessionUrl(server.base);
    const s = await stream('GET', `${url}/htmlfile?c=%63allback`);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(s.headers['cache-control']).toBe(NO_CACHE);
    const head = (await s.read()) as string;
    expect(head.length).toBeGreaterThan(1024);
    expect(head.trim()).toContain('var c = parent.callback;');
    expect(head.trim().startsWith('<!doctype html>')).toBe(true);
    expect(await s.read()).toBe('<script>\np("o");\n</script>\r\n');
    await POST(`${url}/xhr_send`, '["x"]');
    expect(await s.read()).toBe('<script>\np("a[\\"x\\"]");\n</script>\r\n');
    await POST(`${url}/xhr_send`, '["</script><script>alert(1)</script>"]');
    const chunk = (await s.read()) as string;
    expect(chunk.slice('<script>\n'.length, -'\n</script>\r\n'.length)).not.toContain('</script>');
    s.abort();
  });

  it('requires a valid callback', async () => {
    expect((await GET(`${server.base}/echo/a/a/htmlfile`)).body).toContain('"callback" parameter required');
    for (const bad of ['%20', '*', 'abc(', 'abc%28']) {
      const r = await GET(`${server.base}/echo/a/a/htmlfile?c=${bad}`);
      expect(r.status).toBe(500);
      expect(r.body).toContain('invalid "callback" parameter');
    }
  });
});

describe('closing', () => {
  it('unlinks the sink on close: later requests get the close frame, not 2010', async () => {
    const url = sessionUrl(server.base, 'close');
    const first = await stream('POST', `${url}/xhr_streaming`);
    await first.read();
    expect(await first.read()).toBe('o\n');
    expect(await first.read()).toBe('c[3000,"Go away!"]\n');
    const second = await stream('POST', `${url}/xhr_streaming`);
    await second.read();
    expect(await second.read()).toBe('c[3000,"Go away!"]\n');
    expect(await first.read()).toBeNull();
    expect(await second.read()).toBeNull();
  });

  it('gives a second streaming request 2010 and ends it', async () => {
    const url = sessionUrl(server.base);
    const first = await stream('POST', `${url}/xhr_streaming`);
    await first.read();
    expect(await first.read()).toBe('o\n');
    const second = await stream('POST', `${url}/xhr_streaming`);
    await second.read();
    expect(await second.read()).toBe('c[2010,"Another connection still open"]\n');
    expect(await second.read()).toBeNull();
    first.abort();
    // The aborted stream interrupted the session.
    const third = await stream('POST', `${url}/xhr_streaming`);
    await third.read();
    expect(['o\n', 'c[1002,"Connection interrupted"]\n']).toContain(await third.read());
    third.abort();
  });

  it('reports an interrupted session to the application with 1002', async () => {
    const url = sessionUrl(server.base);
    const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
      server.services.echo?.once('connection', (connection) => connection.once('close', resolve));
    });
    const s = await stream('POST', `${url}/xhr_streaming`);
    await s.read();
    await s.read();
    s.abort();
    expect(await closed).toEqual({ code: 1002, reason: 'Connection interrupted', wasClean: false });
  });
});
