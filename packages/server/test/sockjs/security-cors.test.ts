import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SockJS } from '../support/sockjs-client.js';
import { GET, POST, type Response, request, sessionUrl, startServer, type TestServer } from './helpers.js';

/*
 * `allowedOrigins: '*'` must never let a page read a response made with the visitor's cookies: any origin
 * may talk to the server, but CORS answers `*` and never `Access-Control-Allow-Credentials`. Origins the
 * server vetted (listed, approved by a function, or its own) still get their origin echoed with credentials,
 * which sockjs-client's cross-origin XHRs (always `withCredentials`) and the JSESSIONID cookie need.
 */

let server: TestServer;
beforeAll(async () => {
  // startServer's services allow '*'; these two vet origins.
  server = await startServer({
    listed: { allowedOrigins: ['https://app.example'], jsessionid: true },
    decided: { allowedOrigins: (origin) => origin === 'https://approved.example' },
  });
});
afterAll(() => server.close());

const EVIL = 'https://evil.example';

function expectPublicCors(r: Response): void {
  expect(r.headers['access-control-allow-origin']).toBe('*');
  expect(r.headers['access-control-allow-credentials']).toBeUndefined();
}

function expectCredentialedCors(r: Response, origin: string): void {
  expect(r.headers['access-control-allow-origin']).toBe(origin);
  expect(r.headers['access-control-allow-credentials']).toBe('true');
  expect(r.headers.vary).toBe('Origin');
}

describe("allowedOrigins: '*'", () => {
  it('answers /info to any origin with `*` and no credentials', async () => {
    const r = await GET(`${server.base}/echo/info`, { Origin: EVIL });
    expect(r.status).toBe(200);
    expectPublicCors(r);
  });

  it('answers the session transports and their sends the same way', async () => {
    const url = sessionUrl(server.base);
    const open = await POST(`${url}/xhr`, undefined, { Origin: EVIL });
    expect(open.body).toBe('o\n');
    expectPublicCors(open);
    const send = await POST(`${url}/xhr_send`, '["x"]', { Origin: EVIL });
    expect(send.status).toBe(204);
    expectPublicCors(send);
    expectPublicCors(await POST(`${url}/xhr`, undefined, { Origin: EVIL }));
  });

  it('answers preflights with `*` and no credentials, the `null` origin included', async () => {
    for (const origin of [EVIL, 'null']) {
      const r = await request('OPTIONS', `${sessionUrl(server.base)}/xhr_send`, {
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
      expect(r.status).toBe(204);
      expectPublicCors(r);
    }
  });

  it('keeps credentials off even when the service sets JSESSIONID (cookie_needed)', async () => {
    const r = await POST(`${sessionUrl(server.base, 'cookie_needed_echo')}/xhr`, undefined, {
      Origin: EVIL,
      Cookie: 'JSESSIONID=abc',
    });
    expect(r.body).toBe('o\n');
    expectPublicCors(r);
    // The cookie itself still flows for same-origin pages and balancers.
    expect(String(r.headers['set-cookie'])).toContain('JSESSIONID=abc');
  });
});

describe('origins the server vetted', () => {
  it('a listed origin is echoed with credentials, and JSESSIONID is set', async () => {
    const info = await GET(`${server.base}/listed/info`, { Origin: 'https://app.example' });
    expectCredentialedCors(info, 'https://app.example');
    expect(JSON.parse(info.body).cookie_needed).toBe(true);
    const open = await POST(`${sessionUrl(server.base, 'listed')}/xhr`, undefined, {
      Origin: 'https://app.example',
    });
    expect(open.body).toBe('o\n');
    expectCredentialedCors(open, 'https://app.example');
    expect(String(open.headers['set-cookie'])).toContain('JSESSIONID=');
  });

  it('an origin the function approves is echoed with credentials', async () => {
    expectCredentialedCors(
      await GET(`${server.base}/decided/info`, { Origin: 'https://approved.example' }),
      'https://approved.example',
    );
  });

  it("the server's own origin is echoed with credentials", async () => {
    const own = `http://127.0.0.1:${server.port}`;
    expectCredentialedCors(await GET(`${server.base}/listed/info`, { Origin: own }), own);
  });

  it('other origins are still refused, readable but without credentials', async () => {
    const r = await GET(`${server.base}/listed/info`, { Origin: EVIL });
    expect(r.status).toBe(403);
    expect(r.body).toContain('allowedOrigins');
    expect(r.headers['access-control-allow-origin']).toBe(EVIL);
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('sockjs-client where the server wants cookies', () => {
  for (const transport of ['xhr-streaming', 'xhr-polling']) {
    it(`echoes over ${transport} on a JSESSIONID service with a listed origin`, async () => {
      const socket = new SockJS(`${server.base}/listed`, null, { transports: [transport] });
      const echoed = await new Promise<string>((resolve, reject) => {
        socket.onopen = () => socket.send('with cookies');
        socket.onmessage = (event) => resolve(event.data);
        socket.onclose = (event) => reject(new Error(`closed: ${event.code} ${event.reason}`));
      });
      socket.onclose = null;
      socket.close();
      expect(echoed).toBe('with cookies');
    });
  }
});
