import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SockwireServer } from '../../src/index.js';
import { chooseStompSubprotocol, createStompBroker } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';

/** Debian's interpreter: python3-stomp installs there, not into pyenv or virtualenv interpreters. */
const python = process.env.STOMP_PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('./interop/stomppy_check.py', import.meta.url));

function runPython(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(python, [script, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('interop: stomp.py (python3-stomp) against our broker', () => {
  const broker = createStompBroker({ heartbeat: { outgoing: 500, incoming: 500 } });
  let tcp: StompTcpServer;
  let sockjs: SockwireServer;
  let http: Server;

  beforeAll(async () => {
    tcp = await listenTcp({ broker, port: 0 });
    sockjs = createServer({
      prefix: '/stomp',
      webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
    });
    sockjs.on('connection', (connection) => broker.handleConnection(connection));
    http = createHttpServer();
    sockjs.installHandlers(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await broker.close();
    await tcp.close();
    sockjs.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('python3-stomp is installed', async () => {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(python, ['-c', 'import stomp, websocket'], (error, _out, err) =>
        resolve({ code: error ? 1 : 0, stderr: err }),
      ),
    );
    expect(
      code,
      `stomp.py is missing (${stderr.trim()}): apt-get install -y python3-stomp python3-websocket, or set STOMP_PYTHON`,
    ).toBe(0);
  });

  it('over TCP', async () => {
    const result = await runPython(['tcp', '127.0.0.1', String(tcp.port)]);
    expect(result.stdout + result.stderr).not.toContain('"ok": false');
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('over the raw WebSocket', async () => {
    const port = (http.address() as AddressInfo).port;
    const result = await runPython(['ws', `ws://127.0.0.1:${port}/stomp/websocket`]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});
