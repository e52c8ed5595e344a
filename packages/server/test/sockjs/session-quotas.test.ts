import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { POST, rawConnect, startServer, type TestServer, until } from './helpers.js';
import { upgradeHead } from './robustness-support.js';

/*
 * Security issue 14, hole 3 (sessions): one client opened 20 000 sessions in 2.3 s and nothing stopped it.
 * Sessions per server (maxSessions) and per client address (maxSessionsPerAddress, default 1 000) are now
 * capped, each refusal naming its option; a session's place is given back once the server forgets it.
 * Real HTTP requests and WebSockets against a real server.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    defaults: { disconnectDelay: 60_000 },
    small: { maxSessions: 3, disconnectDelay: 50 },
    proxied: {
      maxSessionsPerAddress: 2,
      disconnectDelay: 60_000,
      clientAddress: (r) => String(r.headers['x-forwarded-for'] ?? r.remoteAddress),
    },
  });
});
afterAll(() => server.close());

let counter = 0;
const at = (service: string) => `${server.base}/${service}/000/${process.pid}-${Date.now()}-${++counter}`;

describe('maxSessionsPerAddress (default 1 000)', () => {
  it('refuses the 1 001st session from one address with 429 naming the option', async () => {
    const service = server.services.defaults;
    for (let i = 0; i < 1000; i++) {
      const opened = await POST(`${at('defaults')}/xhr`);
      if (opened.status !== 200) throw new Error(`session ${i} refused: ${opened.status} ${opened.body}`);
    }
    const refused = await POST(`${at('defaults')}/xhr`);
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('maxSessionsPerAddress');
    expect(refused.body).toContain('1000');
    expect(service?.stats().sessionIds).toBe(1000);
    // WebSockets count too.
    const socket = new WebSocket(`${server.base.replace('http', 'ws')}/defaults/websocket`);
    const status = await new Promise<number>((resolve) =>
      socket.on('unexpected-response', (_, response) => resolve(response.statusCode ?? 0)),
    );
    expect(status).toBe(429);
  });

  it('counts what clientAddress says (behind a proxy), each address on its own', async () => {
    const from = (address: string) => POST(`${at('proxied')}/xhr`, undefined, { 'X-Forwarded-For': address });
    expect((await from('10.0.0.1')).status).toBe(200);
    expect((await from('10.0.0.1')).status).toBe(200);
    expect((await from('10.0.0.1')).status).toBe(429);
    expect((await from('10.0.0.2')).status).toBe(200);
  });
});

describe('maxSessions', () => {
  it('refuses a session past it with 503, Retry-After and the option named; the place comes back', async () => {
    const service = server.services.small;
    const held = [];
    for (let i = 0; i < 3; i++) {
      const url = at('small');
      expect((await POST(`${url}/xhr`)).status).toBe(200);
      held.push(url);
    }
    const refused = await POST(`${at('small')}/xhr`);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toContain('maxSessions');
    const socket = await rawConnect(server.port);
    socket.write(upgradeHead('/small/websocket'));
    expect(await socket.received()).toMatch(/^HTTP\/1\.1 503 [\s\S]*maxSessions/);
    socket.destroy();
    // Nobody polls: the sessions time out, their tombstones expire, and their places are free again.
    await until(() => service?.stats().sessionIds === 0);
    expect((await POST(`${at('small')}/xhr`)).status).toBe(200);
  });
});
