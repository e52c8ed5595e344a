import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer } from '../../src/index.js';
import { GET, POST, startServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer(
    {
      same: { allowedOrigins: [] },
      listed: { allowedOrigins: ['https://app.example', 'https://*.example.org', 'null'] },
      decided: { allowedOrigins: (origin) => origin.endsWith('.trusted') },
    },
    {},
  );
});
afterAll(() => server.close());

async function handshake(url: string, origin?: string): Promise<number> {
  const socket = new WebSocket(url, origin === undefined ? {} : { origin });
  const result = await Promise.race([
    once(socket, 'open').then(() => 101),
    once(socket, 'unexpected-response').then(
      ([, response]) => (response as { statusCode: number }).statusCode,
    ),
  ]);
  socket.terminate();
  return result;
}

describe('origin allow-list', () => {
  it('by default admits the same origin and clients that send none', async () => {
    const host = `127.0.0.1:${server.port}`;
    expect((await GET(`${server.base}/same/info`, { Origin: `http://${host}` })).status).toBe(200);
    expect((await GET(`${server.base}/same/info`)).status).toBe(200);
    const refused = await POST(`${server.base}/same/000/x${Date.now()}/xhr`, undefined, {
      Origin: 'https://evil.example',
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('allowedOrigins');
    expect(refused.body).toContain('https://evil.example');
    // Readable by the refused page, so that it can say why.
    expect(refused.headers['access-control-allow-origin']).toBe('https://evil.example');
    expect((await GET(`${server.base}/same/info`, { Origin: 'null' })).status).toBe(403);
  });

  it('applies to WebSocket handshakes', async () => {
    const url = `${server.base.replace('http', 'ws')}/same/000/o${Date.now()}/websocket`;
    expect(await handshake(url, 'https://evil.example')).toBe(403);
    expect(await handshake(url, `http://127.0.0.1:${server.port}`)).toBe(101);
    expect(
      await handshake(`${server.base.replace('http', 'ws')}/same/websocket`, 'https://evil.example'),
    ).toBe(403);
  });

  it('matches exact origins, wildcard subdomains and null', async () => {
    const info = (origin: string) =>
      GET(`${server.base}/listed/info`, { Origin: origin }).then((r) => r.status);
    expect(await info('https://app.example')).toBe(200);
    expect(await info('https://a.example.org')).toBe(200);
    expect(await info('https://a.b.example.org')).toBe(200);
    expect(await info('null')).toBe(200);
    expect(await info('https://example.org')).toBe(403);
    expect(await info('http://app.example')).toBe(403);
    expect(await info('https://app.example.evil')).toBe(403);
  });

  it('can be a function', async () => {
    expect((await GET(`${server.base}/decided/info`, { Origin: 'https://a.trusted' })).status).toBe(200);
    expect((await GET(`${server.base}/decided/info`, { Origin: 'https://a.untrusted' })).status).toBe(403);
  });

  it('lets the greeting and iframe through (they carry nothing private)', async () => {
    expect((await GET(`${server.base}/same`, { Origin: 'https://evil.example' })).status).toBe(200);
  });
});

describe('options', () => {
  it('reject nonsense with a message that names the option', () => {
    expect(() => createServer({ heartbeatDelay: -1 })).toThrow(/heartbeatDelay/);
    expect(() => createServer({ maxMessageSize: Number.NaN })).toThrow(/maxMessageSize/);
    expect(() => createServer({ prefix: 'echo' })).toThrow(/prefix must start with/);
    expect(() => createServer({ highWaterMark: 10, maxBufferedBytes: 5 })).toThrow(/maxBufferedBytes/);
  });

  it('refuse two services under one prefix on one server', () => {
    expect(() => createServer({ prefix: '/echo' }).installHandlers(server.http)).toThrow(/already installed/);
  });
});
