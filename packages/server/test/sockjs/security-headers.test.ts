import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/index.js';
import {
  CALLBACK,
  GET,
  POST,
  type Response,
  rawConnect,
  request,
  sessionUrl,
  startServer,
  stream,
  type TestServer,
} from './helpers.js';
import { upgradeHead } from './robustness-support.js';

/*
 * Three smaller items: `X-Content-Type-Options: nosniff` on every response; the iframe page, which runs a
 * script from elsewhere with this origin's rights, only on request; and JSONP/htmlfile callbacks limited to
 * the names sockjs-client generates (any other name is pasted into script on this origin).
 */

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    framed: { iframe: true },
    framedOwn: { iframe: true, sockjsUrl: '/static/sockjs.min.js' },
    strict: { allowedOrigins: ['https://app.example'] },
    refusing: {},
  });
});
afterAll(() => server.close());

const expectNosniff = (label: string, r: { headers: Response['headers'] }) =>
  expect([label, r.headers['x-content-type-options']]).toEqual([label, 'nosniff']);

describe('X-Content-Type-Options: nosniff', () => {
  it('is on every kind of response the service makes', async () => {
    const url = sessionUrl(server.base);
    const answers: Array<[string, Response]> = [
      ['greeting', await GET(`${server.base}/echo`)],
      ['info', await GET(`${server.base}/echo/info`)],
      ['preflight', await request('OPTIONS', `${url}/xhr`, { headers: { Origin: 'https://a.example' } })],
      ['xhr open', await POST(`${url}/xhr`)],
      ['xhr_send', await POST(`${url}/xhr_send`, '["x"]')],
      ['xhr poll', await POST(`${url}/xhr`)],
      ['jsonp', await GET(`${sessionUrl(server.base)}/jsonp?c=${CALLBACK}`)],
      ['bad callback', await GET(`${sessionUrl(server.base)}/jsonp?c=alert`)],
      ['bad payload', await POST(`${url}/xhr_send`, '[')],
      ['unknown session', await POST(`${sessionUrl(server.base)}/xhr_send`, '["x"]')],
      ['not found', await GET(`${server.base}/echo/a/b`)],
      ['method not allowed', await request('PUT', `${url}/xhr`)],
      ['iframe off', await GET(`${server.base}/echo/iframe.html`)],
      ['iframe', await GET(`${server.base}/framed/iframe.html`)],
      ['origin refused', await GET(`${server.base}/strict/info`, { Origin: 'https://evil.example' })],
      [
        'host refused',
        await request('GET', `${server.base}/echo/info`, { headers: { Host: 'evil.example' } }),
      ],
      ['outside every prefix', await GET(`${server.base}/elsewhere`)],
    ];
    for (const [label, r] of answers) expectNosniff(label, r);
    const events = await stream('GET', `${sessionUrl(server.base)}/eventsource`);
    expectNosniff('eventsource', events);
    events.abort();
    const page = await stream('GET', `${sessionUrl(server.base)}/htmlfile?c=${CALLBACK}`);
    expectNosniff('htmlfile', page);
    page.abort();
  });

  it('is on refused WebSocket handshakes too', async () => {
    const socket = await rawConnect(server.port);
    socket.write(upgradeHead('/strict/000/ws-refused/websocket', { Origin: 'https://evil.example' }));
    const answer = await socket.received();
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer.toLowerCase()).toContain('\r\nx-content-type-options: nosniff\r\n');
  });

  it('is on the 503 of a closed service reached through handle()', async () => {
    const service = createServer({ prefix: '/gone' });
    service.close();
    const http = createHttpServer((req, res) => {
      if (!service.handle(req, res)) res.writeHead(404).end();
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const r = await GET(`http://127.0.0.1:${(http.address() as AddressInfo).port}/gone/info`);
      expect(r.status).toBe(503);
      expectNosniff('closed', r);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('the iframe page', () => {
  it('is off by default: 404 naming the option', async () => {
    for (const name of ['/iframe.html', '/iframe-1.6.1.html']) {
      const r = await GET(`${server.base}/echo${name}`);
      expect(r.status).toBe(404);
      expect(r.body).toContain('iframe option');
    }
  });

  it('when on, loads the pinned sockjs-client with its integrity hash', async () => {
    const r = await GET(`${server.base}/framed/iframe.html`);
    expect(r.status).toBe(200);
    expect(r.body).toContain(
      '<script src="https://cdn.jsdelivr.net/npm/sockjs-client@1.6.1/dist/sockjs.min.js" integrity="sha384-',
    );
    expect(r.body).toContain('crossorigin="anonymous"></script>');
  });

  it('loads a URL given in sockjsUrl as is', async () => {
    const r = await GET(`${server.base}/framedOwn/iframe.html`);
    expect(r.body).toContain('<script src="/static/sockjs.min.js"></script>');
  });
});

describe('JSONP and htmlfile callbacks', () => {
  it("accept sockjs-client's names (1.x and 0.3)", async () => {
    for (const callback of [CALLBACK, '_jp.a012345', '_jp.azz_9zz']) {
      expect((await GET(`${sessionUrl(server.base)}/jsonp?c=${callback}`)).body).toBe(
        `/**/${callback}("o");\r\n`,
      );
    }
    const page = await stream('GET', `${sessionUrl(server.base)}/htmlfile?c=${encodeURIComponent(CALLBACK)}`);
    expect(await page.readText(1)).toBeTruthy();
    page.abort();
  });

  it('refuse any other name with 500 stating the rule, and open no session', async () => {
    for (const callback of [
      'x',
      'callback',
      'alert',
      'opener.document.body.firstElementChild.click',
      '_jp.a1b2c3d.click',
      '_jp.a1b2c3de',
      '_jp.a1b2c3',
      '_jp.A1B2C3D',
      'window._jp.a1b2c3d',
    ]) {
      for (const transport of ['jsonp', 'htmlfile']) {
        const url = `${sessionUrl(server.base, 'refusing')}/${transport}?c=${encodeURIComponent(callback)}`;
        const r = await GET(url);
        expect([callback, transport, r.status]).toEqual([callback, transport, 500]);
        expect(r.body).toContain('invalid "callback" parameter');
        expect(r.body).toContain('sockjs-client');
        expect(r.body).toContain('11 characters');
      }
    }
    // A missing one keeps the protocol's own message.
    expect((await GET(`${sessionUrl(server.base, 'refusing')}/jsonp`)).body).toBe(
      '"callback" parameter required',
    );
    expect(server.services.refusing!.stats().sessionIds).toBe(0);
  });
});
