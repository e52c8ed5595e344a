import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GET,
  PROTOCOL_SUITE_OPTIONS,
  type Response,
  request,
  startServer,
  type TestServer,
} from './helpers.js';

let server: TestServer;
let echo: string;
beforeAll(async () => {
  server = await startServer({}, PROTOCOL_SUITE_OPTIONS);
  echo = `${server.base}/echo`;
});
afterAll(() => server.close());

const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';

function expectLongCache(r: Response): void {
  expect(r.headers['cache-control']).toMatch(/public/);
  expect(r.headers['cache-control']).toMatch(/max-age=[1-9][0-9]{6}/);
  expect(r.headers.expires).toBeTruthy();
  expect(r.headers['last-modified']).toBeUndefined();
}

describe('greeting', () => {
  it('answers the base URL with and without a slash', async () => {
    for (const url of [echo, `${echo}/`]) {
      const r = await GET(url);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain; charset=UTF-8');
      expect(r.body).toBe('Welcome to SockJS!\n');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('gives 404 for anything else', async () => {
    for (const suffix of ['/a', '/a.html', '//', '///', '/a/a', '/a/a/', '/a/']) {
      expect((await GET(echo + suffix)).status).toBe(404);
    }
  });

  it('leaves paths outside every prefix to the HTTP server', async () => {
    expect((await GET(`${server.base}/elsewhere`)).status).toBe(404);
    expect((await GET(`${server.base}/echoes`)).status).toBe(404);
  });
});

describe('iframe page', () => {
  const page =
    /^<!DOCTYPE html>\n<html>\n<head>\n {2}<meta http-equiv="X-UA-Compatible" content="IE=edge" \/>\n {2}<meta http-equiv="Content-Type" content="text\/html; charset=UTF-8" \/>\n {2}<script src="(?<src>[^"]*)"><\/script>\n {2}<script>\n {4}document.domain = document.domain;\n {4}SockJS.bootstrap_iframe\(\);\n {2}<\/script>\n<\/head>\n<body>\n {2}<h2>Don't panic!<\/h2>\n {2}<p>This is a SockJS hidden iframe. It's used for cross domain magic.<\/p>\n<\/body>\n<\/html>$/;

  it('serves the page, strongly cacheable, under every versioned name', async () => {
    for (const suffix of [
      '/iframe.html',
      '/iframe-a.html',
      '/iframe-.html',
      '/iframe-0.1.2.html',
      '/iframe-0.1.2abc-dirty.2144.html',
      '/iframe-a.html?t=1234',
    ]) {
      const r = await GET(echo + suffix);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=UTF-8');
      expectLongCache(r);
      expect(r.headers.etag).toBeTruthy();
      const match = page.exec(r.body.trim());
      expect(match?.groups?.src).toMatch(/^(\/|http)/);
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('rejects malformed names', async () => {
    for (const suffix of [
      '/iframe.htm',
      '/iframe',
      '/IFRAME.HTML',
      '/IFRAME',
      '/iframe.HTML',
      '/iframe.xml',
      '/iframe-/.html',
    ]) {
      expect((await GET(echo + suffix)).status).toBe(404);
    }
  });

  it('answers If-None-Match with 304 and no body', async () => {
    const first = await GET(`${echo}/iframe.html`);
    const second = await GET(`${echo}/iframe.html`);
    expect(first.headers.etag).toBe(second.headers.etag);
    const cached = await GET(`${echo}/iframe.html`, { 'If-None-Match': first.headers.etag as string });
    expect(cached.status).toBe(304);
    expect(cached.headers['content-type']).toBeUndefined();
    expect(cached.body).toBe('');
  });
});

describe('/info', () => {
  it('reports capabilities, uncached, with CORS', async () => {
    const r = await GET(`${echo}/info`, { Origin: 'test' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(r.headers['cache-control']).toBe(NO_CACHE);
    expect(r.headers.expires).toBeUndefined();
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.headers['access-control-allow-origin']).toBe('test');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    const info = JSON.parse(r.body);
    expect(info).toMatchObject({ websocket: true, cookie_needed: false, origins: ['*:*'] });
    expect(Number.isInteger(info.entropy)).toBe(true);
    expect(info.entropy).toBeGreaterThanOrEqual(0);
    expect(info.entropy).toBeLessThan(2 ** 32);
  });

  it('gives fresh entropy each time', async () => {
    const a = JSON.parse((await GET(`${echo}/info`)).body).entropy;
    const b = JSON.parse((await GET(`${echo}/info`)).body).entropy;
    expect(a).not.toBe(b);
  });

  it('answers preflights, cacheable for a year', async () => {
    for (const origin of ['test', 'null']) {
      const r = await request('OPTIONS', `${echo}/info`, {
        headers: { Origin: origin, 'Access-Control-Request-Method': 'OPTIONS, GET' },
      });
      expect([200, 204]).toContain(r.status);
      expectLongCache(r);
      expect(Number(r.headers['access-control-max-age'])).toBeGreaterThan(1_000_000);
      expect(r.headers['access-control-allow-methods']).toContain('OPTIONS');
      expect(r.headers['access-control-allow-methods']).toContain('GET');
      expect(r.headers['access-control-allow-origin']).toBe(origin);
      expect(r.headers['access-control-allow-credentials']).toBe('true');
      expect(r.body).toBe('');
    }
  });

  it('says when WebSocket is off or cookies are needed', async () => {
    expect(JSON.parse((await GET(`${server.base}/disabled_websocket_echo/info`)).body).websocket).toBe(false);
    const cookie = await GET(`${server.base}/cookie_needed_echo/info`);
    expect(JSON.parse(cookie.body).cookie_needed).toBe(true);
    expect(cookie.headers['set-cookie']).toBeUndefined();
  });
});

describe('CORS preflight on transports', () => {
  it('echoes requested headers only when there are some', async () => {
    const url = `${echo}/abc/abc/xhr`;
    const headers = { Origin: 'test', 'Access-Control-Request-Method': 'POST' };
    const withHeaders = await request('OPTIONS', url, {
      headers: { ...headers, 'Access-Control-Request-Headers': 'a, b, c' },
    });
    expect(withHeaders.headers['access-control-allow-headers']).toBe('a, b, c');
    const empty = await request('OPTIONS', url, {
      headers: { ...headers, 'Access-Control-Request-Headers': '' },
    });
    expect(empty.headers['access-control-allow-headers']).toBeUndefined();
    const none = await request('OPTIONS', url, { headers });
    expect(none.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('lists POST for every XHR transport', async () => {
    for (const suffix of ['/xhr', '/xhr_send', '/xhr_streaming']) {
      const r = await request('OPTIONS', `${echo}/abc/abc${suffix}`, {
        headers: { Origin: 'test', 'Access-Control-Request-Method': 'POST' },
      });
      expect(r.status).toBe(204);
      expect(r.headers['access-control-allow-methods']).toContain('POST');
      expectLongCache(r);
    }
  });
});
