import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POST,
  PROTOCOL_SUITE_OPTIONS,
  rawConnect,
  sessionUrl,
  startServer,
  type TestServer,
} from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({}, PROTOCOL_SUITE_OPTIONS);
});
afterAll(() => server.close());

const hex = (code: number) => '\\u' + code.toString(16).padStart(4, '0');

describe('JSON encoding', () => {
  it('escapes every character the protocol requires on the way out', async () => {
    const url = sessionUrl(server.base);
    await POST(`${url}/xhr`);
    let raw = '';
    let escaped = '';
    for (const [from, to] of [
      [0x200c, 0x200f],
      [0x2028, 0x202f],
      [0x2060, 0x206f],
      [0xfff0, 0xffff],
    ] as const) {
      for (let c = from; c <= to; c++) {
        raw += String.fromCharCode(c);
        escaped += hex(c);
      }
    }
    expect((await POST(`${url}/xhr_send`, JSON.stringify([raw]))).status).toBe(204);
    const body = (await POST(`${url}/xhr`)).body;
    expect(body.trim().slice(2, -1)).toBe(`"${escaped}"`);
  });

  it('decodes whatever a client escapes, including lone surrogates', async () => {
    const url = sessionUrl(server.base);
    await POST(`${url}/xhr`);
    let all = '';
    for (let c = 0; c < 0x10000; c += 7) all += String.fromCharCode(c);
    const payload =
      '[' +
      all
        .split('')
        .map((ch) => `"${hex(ch.charCodeAt(0))}"`)
        .join(',') +
      ']';
    expect((await POST(`${url}/xhr_send`, payload)).status).toBe(204);
    const body = (await POST(`${url}/xhr`)).body;
    expect(JSON.parse(body.trim().slice(1)).join('')).toBe(all);
  });

  it('echoes multi-byte text unchanged', async () => {
    const url = sessionUrl(server.base);
    await POST(`${url}/xhr`);
    const text = 'héllo ✓ 😀 日本語';
    await POST(`${url}/xhr_send`, JSON.stringify([text]));
    expect(JSON.parse((await POST(`${url}/xhr`)).body.trim().slice(1))).toEqual([text]);
  });
});

describe('HTTP versions', () => {
  it('HTTP/1.0: Content-Length, no chunking, keep-alive honoured', async () => {
    const socket = await rawConnect(server.port);
    socket.write('GET /echo HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n');
    const text = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (chunk: string) => {
        data += chunk;
        if (data.endsWith('Welcome to SockJS!\n')) resolve(data);
      });
    });
    expect(text).toMatch(/^HTTP\/1\.[01] 200/);
    expect(text.toLowerCase()).not.toContain('transfer-encoding');
    expect(text.toLowerCase()).toContain('content-length: 19');
    socket.destroy();
  });

  it('HTTP/1.0 streaming: no chunking, no length, connection closed after the close frame', async () => {
    const socket = await rawConnect(server.port);
    socket.write(`POST /close/000/h10${Date.now()}/xhr_streaming HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n`);
    const text = await socket.received();
    const [head, body] = text.split('\r\n\r\n', 2) as [string, string];
    expect(head).toMatch(/^HTTP\/1\.[01] 200/);
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    expect(head.toLowerCase()).not.toContain('content-length');
    expect(body).toBe('h'.repeat(2048) + '\no\nc[3000,"Go away!"]\n');
  });

  it('HTTP/1.1 streaming: one chunk per frame, then the last chunk', async () => {
    const socket = await rawConnect(server.port);
    socket.write(
      `POST /close/000/h11${Date.now()}/xhr_streaming HTTP/1.1\r\nHost: localhost\r\nConnection: Keep-Alive\r\n\r\n`,
    );
    const done = new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (chunk: string) => {
        data += chunk;
        if (data.endsWith('\r\n0\r\n\r\n')) resolve(data);
      });
    });
    const text = await done;
    socket.destroy();
    const [head, body] = text.split('\r\n\r\n', 2) as [string, string];
    expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(head.toLowerCase()).not.toContain('content-length');
    const chunks: string[] = [];
    let rest = text.slice(head.length + 4);
    while (rest.length > 0) {
      const eol = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.slice(0, eol), 16);
      chunks.push(rest.slice(eol + 2, eol + 2 + size));
      rest = rest.slice(eol + 2 + size + 2);
    }
    expect(body.length).toBeGreaterThan(0);
    expect(chunks).toEqual(['h'.repeat(2048) + '\n', 'o\n', 'c[3000,"Go away!"]\n', '']);
  });
});
