import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs, startServe } from '../../src/cli/serve.js';
import { createServer, type ServerOptions } from '../../src/index.js';
import { rawConnect, request, startServer, type TestServer } from './helpers.js';
import { upgradeHead } from './robustness-support.js';

/*
 * DNS rebinding: a page on attacker.example, its name then pointed at 127.0.0.1, is same-origin with a
 * loopback server (the origin check admits it: Origin and Host agree). Only the name in `Host` gives it away,
 * so a server listening on loopback only answers to loopback names unless told otherwise (allowedHosts).
 */

let loopback: TestServer;
beforeAll(async () => {
  loopback = await startServer({
    listed: { allowedHosts: ['app.example', '*.example.org'] },
    anyHost: { allowedHosts: '*' },
  });
});
afterAll(() => loopback.close());

const get = (base: string, path: string, host: string) =>
  request('GET', `${base}${path}`, { headers: { Host: host } });

describe("allowedHosts: 'auto' on a loopback-only server (the default)", () => {
  it('refuses a request for another name with 403 naming the option', async () => {
    const r = await get(loopback.base, '/echo/info', `attacker.example:${loopback.port}`);
    expect(r.status).toBe(403);
    expect(r.body).toContain('allowedHosts');
    expect(r.body).toContain('attacker.example');
    expect(r.body).toContain('--allowed-hosts');
    // Refused before anything else: the greeting, a session and the origin check included.
    expect((await get(loopback.base, '/echo', 'attacker.example')).status).toBe(403);
    const session = await request('POST', `${loopback.base}/echo/000/rebind${Date.now()}/xhr`, {
      headers: {
        Host: `attacker.example:${loopback.port}`,
        Origin: `http://attacker.example:${loopback.port}`,
      },
    });
    expect(session.status).toBe(403);
    expect(loopback.services.echo!.stats().sessionIds).toBe(0);
  });

  it('serves the loopback names, with or without a port', async () => {
    for (const host of [
      'localhost',
      `localhost:${loopback.port}`,
      `127.0.0.1:${loopback.port}`,
      '127.1.2.3',
      '[::1]:80',
    ]) {
      const r = await get(loopback.base, '/echo/info', host);
      expect([host, r.status]).toEqual([host, 200]);
    }
  });

  it('refuses WebSocket handshakes for another name the same way', async () => {
    const socket = await rawConnect(loopback.port);
    socket.write(upgradeHead('/echo/000/ws/websocket').replace('Host: 127.0.0.1', 'Host: attacker.example'));
    const answer = await socket.received();
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain('allowedHosts');
  });
});

describe('allowedHosts as a list, or *', () => {
  it('adds the listed names (and subdomains of a *. pattern) to the loopback ones', async () => {
    const status = async (host: string) => (await get(loopback.base, '/listed/info', host)).status;
    expect(await status('app.example')).toBe(200);
    expect(await status(`App.Example:${loopback.port}`)).toBe(200);
    expect(await status('a.example.org')).toBe(200);
    expect(await status('a.b.example.org')).toBe(200);
    expect(await status('localhost')).toBe(200);
    expect(await status('example.org')).toBe(403);
    expect(await status('app.example.evil')).toBe(403);
    const refused = await get(loopback.base, '/listed/info', 'attacker.example');
    expect(refused.body).toContain('names in its allowedHosts option');
  });

  it("'*' serves any name", async () => {
    expect((await get(loopback.base, '/anyHost/info', 'attacker.example')).status).toBe(200);
  });

  it('refuses a malformed list with a message naming the option', () => {
    expect(() => createServer({ allowedHosts: ['https://app.example'] })).toThrow(/allowedHosts/);
    expect(() => createServer({ allowedHosts: ['app.example:8080'] })).toThrow(/allowedHosts/);
    expect(() => createServer({ allowedHosts: 'none' as unknown as ServerOptions['allowedHosts'] })).toThrow(
      /allowedHosts/,
    );
  });
});

describe("allowedHosts: 'auto' on a server listening beyond loopback", () => {
  let http: Server;
  let base = '';
  beforeAll(async () => {
    http = createHttpServer();
    createServer({ prefix: '/echo' }).installHandlers(http);
    // Every interface: a name the server does not know may be how the network reaches it.
    http.listen(0, '0.0.0.0');
    await once(http, 'listening');
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('serves any name', async () => {
    expect((await get(base, '/echo/info', 'chat.example.com')).status).toBe(200);
  });
});

describe('sockwire serve', () => {
  it('parses --allowed-hosts as a list or *', () => {
    expect(parseServeArgs(['--port', '0', '--allowed-hosts', 'a.example, *.b.example']).allowedHosts).toEqual(
      ['a.example', '*.b.example'],
    );
    expect(parseServeArgs(['--port', '0', '--allowed-hosts', '*']).allowedHosts).toBe('*');
    expect(parseServeArgs(['--port', '0']).allowedHosts).toBeUndefined();
  });

  it('answers only to loopback names by default, static files included; --allowed-hosts adds names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sockwire-hosts-'));
    await writeFile(join(dir, 'index.html'), '<p>private notes</p>');
    const plain = await startServe({ port: 0, staticDir: dir });
    const listed = await startServe({ port: 0, staticDir: dir, allowedHosts: ['chat.example'] });
    try {
      const at = (running: typeof plain, path: string, host: string) =>
        get(running.urls.static!.replace(/\/$/, ''), path, host);
      expect((await at(plain, '/', 'localhost')).body).toBe('<p>private notes</p>');
      const rebound = await at(plain, '/', 'attacker.example');
      expect(rebound.status).toBe(403);
      expect(rebound.body).toContain('--allowed-hosts');
      expect((await at(plain, '/stomp/info', 'attacker.example')).status).toBe(403);
      expect((await at(listed, '/', 'chat.example')).status).toBe(200);
      expect((await at(listed, '/stomp/info', 'chat.example')).status).toBe(200);
      expect((await at(listed, '/stomp/info', 'attacker.example')).status).toBe(403);
    } finally {
      await plain.close();
      await listed.close();
      await rm(dir, { recursive: true });
    }
  });
});
