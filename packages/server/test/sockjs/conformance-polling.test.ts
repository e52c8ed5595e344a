import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceCoreOf } from '../../src/server.js';
import {
  GET,
  POST,
  PROTOCOL_SUITE_OPTIONS,
  pending,
  request,
  sessionUrl,
  startServer,
  stream,
  type TestServer,
  until,
} from './helpers.js';
import { arrival } from './support/arrivals.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, PROTOCOL_SUITE_OPTIONS);
});
afterAll(() => server.close());

const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('session URLs', () => {
  it('accept any server and session id without dots or slashes', async () => {
    const n = Math.floor(Math.random() * 1e6);
    for (const part of [`/a/a${n}`, `/_/_${n}`, `/1/${n}`, `/abcdefgh_i-j%20/abcdefg_i-j%20${n}`]) {
      const r = await POST(`${server.base}/echo${part}/xhr`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('o\n');
    }
  });

  it('reject empty parts, dots and wrong depths', async () => {
    for (const part of ['//', '/a./a', '/a/a.', '/./.', '/', '///']) {
      expect((await GET(`${server.base}/echo${part}/xhr`)).status).toBe(404);
      expect((await POST(`${server.base}/echo${part}/xhr`)).status).toBe(404);
    }
  });

  it('identify a session by session id only', async () => {
    const id = `ignore-${Date.now()}`;
    expect((await POST(`${server.base}/echo/000/${id}/xhr`)).body).toBe('o\n');
    expect((await POST(`${server.base}/echo/000/${id}/xhr_send`, '["a"]')).status).toBe(204);
    expect((await POST(`${server.base}/echo/999/${id}/xhr`)).body).toBe('a["a"]\n');
  });

  it('answer a wrong method with 405 and Allow', async () => {
    const r = await GET(`${server.base}/echo/a/a/xhr`);
    expect(r.status).toBe(405);
    expect(r.headers.allow).toContain('POST');
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.body).toBe('');
  });
});

describe('xhr-polling', () => {
  it('opens, takes sends and returns them, uncached, with CORS', async () => {
    const url = sessionUrl(server.base);
    const open = await POST(`${url}/xhr`, undefined, { Origin: 'test' });
    expect(open.status).toBe(200);
    expect(open.body).toBe('o\n');
    expect(open.headers['content-type']).toBe('application/javascript; charset=UTF-8');
    expect(open.headers['access-control-allow-origin']).toBe('test');
    expect(open.headers['access-control-allow-credentials']).toBe('true');
    expect(open.headers['cache-control']).toBe(NO_CACHE);
    const send = await POST(`${url}/xhr_send`, '["x"]', { Origin: 'test' });
    expect(send.status).toBe(204);
    expect(send.body).toBe('');
    expect(send.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(send.headers['cache-control']).toBe(NO_CACHE);
    expect((await POST(`${url}/xhr`)).body).toBe('a["x"]\n');
  });

  it('gives CORS * without an Origin', async () => {
    const r = await POST(`${sessionUrl(server.base)}/xhr`);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('refuses sends to unknown sessions with 404', async () => {
    expect((await POST(`${sessionUrl(server.base)}/xhr_send`, '["x"]')).status).toBe(404);
  });

  it('answers broken and missing payloads with 500 and keeps the session', async () => {
    const url = sessionUrl(server.base);
    await POST(`${url}/xhr`);
    const broken = await POST(`${url}/xhr_send`, '["x');
    expect(broken.status).toBe(500);
    expect(broken.body).toContain('Broken JSON encoding.');
    const empty = await POST(`${url}/xhr_send`, '');
    expect(empty.status).toBe(500);
    expect(empty.body).toContain('Payload expected.');
    expect((await POST(`${url}/xhr_send`, '["a"]')).status).toBe(204);
    expect((await POST(`${url}/xhr`)).body).toBe('a["a"]\n');
  });

  it('accepts any content type and empty frames, batching queued messages into one frame', async () => {
    const url = sessionUrl(server.base);
    await POST(`${url}/xhr`);
    const types = ['text/plain', 'T', 'application/json', 'application/xml', '', 'text/xml; charset=utf-8'];
    for (const type of types) {
      expect((await POST(`${url}/xhr_send`, '["a"]', { 'Content-Type': type })).status).toBe(204);
    }
    expect((await POST(`${url}/xhr_send`, '[]')).status).toBe(204);
    expect((await POST(`${url}/xhr`)).body).toBe(`a[${types.map(() => '"a"').join(',')}]\n`);
  });

  it('refuses a second receiving request with 2010 while one waits', async () => {
    const url = sessionUrl(server.base);
    await POST(`${url}/xhr`);
    // Like the protocol suite, the first poll must have reached the server before the second is sent.
    const arrived = arrival(server.http, `${url}/xhr`);
    const waiting = pending('POST', `${url}/xhr`);
    await arrived;
    const second = await POST(`${url}/xhr`);
    expect(second.status).toBe(200);
    expect(second.body).toBe('c[2010,"Another connection still open"]\n');
    waiting.abort();
  });

  it('delivers to a waiting poll as soon as a message arrives', async () => {
    const url = sessionUrl(server.base);
    await POST(`${url}/xhr`);
    const arrived = arrival(server.http, `${url}/xhr`);
    const waiting = pending('POST', `${url}/xhr`);
    await arrived;
    await POST(`${url}/xhr_send`, '["late"]');
    expect((await waiting.done).body).toBe('a["late"]\n');
  });

  it('serves the close frame again and again until the session is forgotten', async () => {
    const url = sessionUrl(server.base, 'close');
    expect((await POST(`${url}/xhr`)).body).toBe('o\n');
    expect((await POST(`${url}/xhr`)).body).toBe('c[3000,"Go away!"]\n');
    expect((await POST(`${url}/xhr`)).body).toBe('c[3000,"Go away!"]\n');
  });

  it('turns an aborted poll into 1002 for the session', async () => {
    const url = sessionUrl(server.base);
    const echo = server.services.echo;
    if (echo === undefined) throw new Error('no echo service');
    // Whether the session ended is internal state: read through the test seam (serviceCoreOf).
    const session = () => serviceCoreOf(echo).findSession(url.slice(url.lastIndexOf('/') + 1));
    await POST(`${url}/xhr`);
    const arrived = arrival(server.http, `${url}/xhr`);
    const waiting = pending('POST', `${url}/xhr`);
    await arrived;
    expect((await POST(`${url}/xhr`)).body).toBe('c[2010,"Another connection still open"]\n');
    waiting.abort();
    // The server learns of the abort when the poll's socket closes: wait for the session to end over it.
    await until(() => session()?.isClosed !== false);
    expect(['o\n', 'c[1002,"Connection interrupted"]\n']).toContain((await POST(`${url}/xhr`)).body);
  });
});

describe('jsonp-polling', () => {
  it('wraps frames in the callback and takes form posts', async () => {
    const url = sessionUrl(server.base);
    const open = await GET(`${url}/jsonp?c=%63allback`);
    expect(open.status).toBe(200);
    expect(open.headers['content-type']).toBe('application/javascript; charset=UTF-8');
    expect(open.headers['cache-control']).toBe(NO_CACHE);
    expect(open.body).toBe('/**/callback("o");\r\n');
    const send = await POST(`${url}/jsonp_send`, 'd=%5B%22x%22%5D', FORM);
    expect(send.status).toBe(200);
    expect(send.body).toBe('ok');
    expect(send.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(send.headers['cache-control']).toBe(NO_CACHE);
    expect((await GET(`${url}/jsonp?c=%63allback`)).body).toBe('/**/callback("a[\\"x\\"]");\r\n');
  });

  it('requires a valid callback', async () => {
    const missing = await GET(`${server.base}/echo/a/a/jsonp`);
    expect(missing.status).toBe(500);
    expect(missing.body).toContain('"callback" parameter required');
    for (const bad of ['%20', '*', 'abc(', 'abc%28']) {
      const r = await GET(`${server.base}/echo/a/a/jsonp?c=${bad}`);
      expect(r.status).toBe(500);
      expect(r.body).toContain('invalid "callback" parameter');
    }
  });

  it('rejects broken and missing payloads, accepts plain-text bodies and empty frames', async () => {
    const url = sessionUrl(server.base);
    expect((await GET(`${url}/jsonp?c=x`)).body).toBe('/**/x("o");\r\n');
    const broken = await POST(`${url}/jsonp_send`, 'd=%5B%22x', FORM);
    expect(broken.status).toBe(500);
    expect(broken.body).toContain('Broken JSON encoding.');
    for (const body of ['', 'd=', 'p=p']) {
      const r = await POST(`${url}/jsonp_send`, body, FORM);
      expect(r.status).toBe(500);
      expect(r.body).toContain('Payload expected.');
    }
    expect((await POST(`${url}/jsonp_send`, 'd=%5B%5D', FORM)).body).toBe('ok');
    expect((await POST(`${url}/jsonp_send`, 'd=%5B%22abc%22%5D', FORM)).body).toBe('ok');
    expect((await POST(`${url}/jsonp_send`, '["%61bc"]', { 'Content-Type': 'text/plain' })).body).toBe('ok');
    expect((await GET(`${url}/jsonp?c=x`)).body).toBe('/**/x("a[\\"abc\\",\\"%61bc\\"]");\r\n');
  });

  it('serves the close frame through the callback', async () => {
    const url = sessionUrl(server.base, 'close');
    expect((await GET(`${url}/jsonp?c=x`)).body).toBe('/**/x("o");\r\n');
    expect((await GET(`${url}/jsonp?c=x`)).body).toBe('/**/x("c[3000,\\"Go away!\\"]");\r\n');
  });

  it('is not offered unless every origin is allowed (script transports cannot be origin-checked)', async () => {
    const strict = await startServer({ strict: { allowedOrigins: ['https://app.example'] } });
    try {
      expect((await GET(`${strict.base}/strict/a/a/jsonp?c=x`)).status).toBe(404);
      expect((await GET(`${strict.base}/strict/a/a/htmlfile?c=x`)).status).toBe(404);
    } finally {
      await strict.close();
    }
  });
});

describe('JSESSIONID', () => {
  const expectCookie = (value: string | string[] | undefined, id = 'dummy') => {
    const cookie = Array.isArray(value) ? value[0] : value;
    expect(cookie?.split(';')[0]?.trim()).toBe(`JSESSIONID=${id}`);
    expect(cookie?.split(';')[1]?.trim().toLowerCase()).toBe('path=/');
  };

  it('is set on every session transport, echoing a valid one', async () => {
    const base = `${server.base}/cookie_needed_echo/000`;
    expectCookie((await POST(`${base}/${Date.now()}a/xhr`)).headers['set-cookie']);
    expectCookie(
      (await POST(`${base}/${Date.now()}b/xhr`, undefined, { Cookie: 'JSESSIONID=abcdef' })).headers[
        'set-cookie'
      ],
      'abcdef',
    );
    const jsonp = `${base}/${Date.now()}c`;
    expectCookie((await GET(`${jsonp}/jsonp?c=x`)).headers['set-cookie']);
    expectCookie((await POST(`${jsonp}/jsonp_send`, 'd=%5B%22x%22%5D', FORM)).headers['set-cookie']);
    for (const [method, transport] of [
      ['POST', 'xhr_streaming'],
      ['GET', 'eventsource'],
      ['GET', 'htmlfile?c=x'],
    ] as const) {
      const s = await stream(method, `${base}/${Date.now()}${transport.length}/${transport}`);
      expectCookie(s.headers['set-cookie']);
      s.abort();
    }
  });

  it('never echoes a cookie value that could inject headers', async () => {
    const r = await request('POST', `${server.base}/cookie_needed_echo/000/${Date.now()}x/xhr`, {
      headers: { Cookie: 'JSESSIONID=a b,c' },
    });
    expectCookie(r.headers['set-cookie']);
  });

  it('is absent when not configured', async () => {
    expect((await POST(`${sessionUrl(server.base)}/xhr`)).headers['set-cookie']).toBeUndefined();
  });
});
