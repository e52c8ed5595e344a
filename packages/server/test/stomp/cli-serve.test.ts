import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseServeArgs, type RunningServe, runServe, startServe } from '../../src/cli/serve.js';
import { conformanceTable } from './conformance/cases/index.js';
import { runCase } from './conformance/runner.js';
import { tcpTarget, webSocketTarget } from './support/targets.js';

/**
 * `sockwire serve`. Set STOMP_SERVE_WS=ws://host:port/stomp/websocket and STOMP_SERVE_TCP=host:port to run the
 * conformance table against a server started by hand (`pnpm sockwire serve --port 8080 --tcp-port 61614`).
 */
const externalWs = process.env.STOMP_SERVE_WS;
const externalTcp = process.env.STOMP_SERVE_TCP;

describe('sockwire serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockwire-serve-'));
  writeFileSync(join(dir, 'index.html'), '<h1>chat</h1>');
  let running: RunningServe;
  beforeAll(async () => {
    running = await startServe({
      port: 0,
      tcpPort: 0,
      host: '127.0.0.1',
      staticDir: dir,
      allowedOrigins: '*',
    });
  });
  afterAll(() => running.close());

  it('parses its flags', () => {
    expect(
      parseServeArgs([
        '--port',
        '8080',
        '--tcp-port',
        '61614',
        '--allowed-origins',
        'https://a.example, https://b.example',
      ]),
    ).toEqual({
      port: 8080,
      tcpPort: 61614,
      allowedOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(() => parseServeArgs(['--port', 'eighty'])).toThrow(/--port needs a port number/);
    expect(() => parseServeArgs(['--port', '1', '--bogus'])).toThrow();
  });

  it('reports its URLs', () => {
    expect(running.urls).toEqual({
      sockjs: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/stomp$/),
      websocket: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/stomp\/websocket$/),
      tcp: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/),
      static: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
      echo: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/echo$/),
      scripts: ['sockwire.min.js', 'sockwire-reconnect.min.js', 'sockwire-stomp.min.js'].map((name) =>
        expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${name}$`)),
      ),
    });
  });

  it('serves static files and nothing outside their directory', async () => {
    const base = running.urls.static ?? '';
    const index = await fetch(base);
    expect([index.status, index.headers.get('content-type'), await index.text()]).toEqual([
      200,
      'text/html; charset=UTF-8',
      '<h1>chat</h1>',
    ]);
    expect((await fetch(`${base}..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${base}missing.js`)).status).toBe(404);
    const info = await fetch(`${running.urls.sockjs}/info`);
    expect(info.status).toBe(200);
  });

  const ws = () => webSocketTarget('serve websocket', externalWs ?? running.urls.websocket);
  const tcp = () => {
    const [host, port] = (externalTcp ?? (running.urls.tcp ?? '').replace('tcp://', '')).split(/:(?=\d+$)/);
    return tcpTarget('serve tcp', Number(port), host);
  };
  describe.each([
    ['raw WebSocket', ws],
    ['TCP', tcp],
  ])('conformance table over %s', (_name, target) => {
    for (const testCase of conformanceTable) {
      it(`${testCase.group}: ${testCase.name}`, async () => {
        expect((await runCase(target(), testCase)).failure).toBeUndefined();
      });
    }
  });

  it('runServe prints its URLs and stops on SIGTERM', async () => {
    const output: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
    const exited = new Promise<number | undefined>((resolve) => {
      vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
        resolve(code);
      }) as typeof process.exit);
    });
    try {
      await runServe(['--port', '0', '--host', '127.0.0.1', '--tcp-port', '0']);
      process.emit('SIGTERM', 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      vi.restoreAllMocks();
      write.mockRestore();
    }
    const text = output.join('');
    expect(text).toMatch(
      /STOMP broker ready\n {2}SockJS {5}http:\/\/127\.0\.0\.1:\d+\/stomp\n {2}WebSocket {2}ws:\/\/127\.0\.0\.1:\d+\/stomp\/websocket\n {2}TCP {8}tcp:\/\/127\.0\.0\.1:\d+\n/,
    );
    expect(text).toContain('SIGTERM, stopping');
  });
});
