import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SockJS } from '../support/sockjs-client.js';
import { GET, POST, startServer, stream, type TestServer } from './helpers.js';

/*
 * `jsessionid` as a function (README, "Server options"): instead of JSESSIONID, `(req, res) => void` sets the
 * application's own cookie on session requests (for a balancer that routes by it), and `/info` reports
 * `cookie_needed: true`. Against a real server, with raw HTTP and the real sockjs-client.
 */

/** What the function saw: the method and path of each request, and whether it got the response of it. */
const calls: string[] = [];
function routeCookie(request: IncomingMessage, response: ServerResponse): void {
  calls.push(`${request.method} ${request.url}${response.req === request ? '' : ' (another response)'}`);
  response.setHeader('Set-Cookie', 'route=node-7; Path=/; HttpOnly');
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ routed: { jsessionid: routeCookie } });
});
afterAll(() => server.close());
beforeEach(() => {
  calls.length = 0;
});

describe('jsessionid as a function', () => {
  it('/info says cookie_needed, and is not a session request', async () => {
    const info = await GET(`${server.base}/routed/info`);
    expect(JSON.parse(info.body)).toMatchObject({ cookie_needed: true, websocket: true });
    expect(info.headers['set-cookie']).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('sets its cookie, and no JSESSIONID, on every session request: polling, sending and streaming', async () => {
    const session = `/routed/000/fn${Date.now()}`;
    const open = await POST(`${server.base}${session}/xhr`, undefined, { Cookie: 'JSESSIONID=abc' });
    expect([open.status, open.body, open.headers['set-cookie']]).toEqual([
      200,
      'o\n',
      ['route=node-7; Path=/; HttpOnly'],
    ]);
    const send = await POST(`${server.base}${session}/xhr_send`, '["hi"]', { Cookie: 'JSESSIONID=abc' });
    expect([send.status, send.headers['set-cookie']]).toEqual([204, ['route=node-7; Path=/; HttpOnly']]);
    const poll = await POST(`${server.base}${session}/xhr`);
    expect([poll.body, poll.headers['set-cookie']]).toEqual([
      'a["hi"]\n',
      ['route=node-7; Path=/; HttpOnly'],
    ]);
    const streaming = await stream('POST', `${server.base}/routed/000/st${Date.now()}/xhr_streaming`);
    expect(streaming.headers['set-cookie']).toEqual(['route=node-7; Path=/; HttpOnly']);
    streaming.abort();
    expect(calls).toEqual([
      `POST ${session}/xhr`,
      `POST ${session}/xhr_send`,
      `POST ${session}/xhr`,
      expect.stringMatching(/^POST \/routed\/000\/st\d+\/xhr_streaming$/),
    ]);
  });

  it.each(['xhr-streaming', 'xhr-polling'])(
    'sockjs-client over %s connects and echoes through it',
    async (transport) => {
      const socket = new SockJS(`${server.base}/routed`, null, { transports: [transport] });
      const echoed = await new Promise<string>((resolve, reject) => {
        socket.onopen = () => socket.send('through the routed service');
        socket.onmessage = (event) => resolve(event.data);
        socket.onclose = (event) => reject(new Error(`closed: ${event.code} ${event.reason}`));
      });
      socket.onclose = null;
      socket.close();
      expect(echoed).toBe('through the routed service');
      const endpoint = transport === 'xhr-streaming' ? 'xhr_streaming' : 'xhr';
      expect(calls).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^POST /routed/\\d+/\\w+/${endpoint}$`)),
          expect.stringMatching(/^POST \/routed\/\d+\/\w+\/xhr_send$/),
        ]),
      );
      expect(calls.every((call) => /^POST \/routed\/\d+\/\w+\/xhr(_send|_streaming)?$/.test(call))).toBe(
        true,
      );
    },
  );
});
