import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type SockwireServer } from '../../src/index.js';
import { chooseStompSubprotocol, createStompBroker } from '../../src/stomp/index.js';
import { conformanceTable } from './conformance/cases/index.js';
import { runCase } from './conformance/runner.js';
import { sockjsWebSocketTarget, webSocketTarget } from './support/targets.js';

/** The conformance table over the SockJS server's two WebSocket entry points. */
describe('STOMP over the SockJS server’s WebSockets', () => {
  const broker = createStompBroker();
  let sockjs: SockwireServer;
  let http: Server;
  let base = '';
  beforeAll(async () => {
    sockjs = createServer({
      prefix: '/stomp',
      webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
    });
    sockjs.on('connection', (connection) => broker.handleConnection(connection));
    http = createHttpServer();
    sockjs.installHandlers(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/stomp`;
  });
  afterAll(async () => {
    await broker.close();
    sockjs.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  it('negotiates the newest STOMP subprotocol offered', async () => {
    const socket = new WebSocket(`${base}/websocket`, ['v10.stomp', 'v11.stomp', 'v12.stomp']);
    await new Promise((resolve) => socket.once('open', resolve));
    expect(socket.protocol).toBe('v12.stomp');
    socket.terminate();
  });

  describe('raw WebSocket (<prefix>/websocket)', () => {
    for (const testCase of conformanceTable) {
      it(`${testCase.group}: ${testCase.name}`, async () => {
        const result = await runCase(webSocketTarget('raw websocket', `${base}/websocket`), testCase);
        expect(result.failure).toBeUndefined();
      });
    }
  });

  describe('SockJS websocket transport', () => {
    for (const testCase of conformanceTable) {
      it(`${testCase.group}: ${testCase.name}`, async () => {
        const result = await runCase(sockjsWebSocketTarget('sockjs websocket', base), testCase);
        expect(result.failure).toBeUndefined();
      });
    }
  });
});
