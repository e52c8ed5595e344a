import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStompBroker } from '../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../src/tcp/index.js';
import { conformanceTable } from './conformance/cases/index.js';
import { runCase } from './conformance/runner.js';
import { tcpTarget } from './support/targets.js';

describe('STOMP over TCP (listenTcp)', () => {
  const broker = createStompBroker();
  let server: StompTcpServer;
  beforeAll(async () => {
    server = await listenTcp({ broker, port: 0 });
  });
  afterAll(async () => {
    await broker.close();
    await server.close();
  });

  describe('conformance table over TCP', () => {
    for (const testCase of conformanceTable) {
      it(`${testCase.group}: ${testCase.name}`, async () => {
        const result = await runCase(tcpTarget('tcp', server.port), testCase);
        expect(result.failure).toBeUndefined();
      });
    }
  });

  it('reassembles a multi-octet character split across TCP segments', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise((resolve) => socket.once('connect', resolve));
    const bytes = Buffer.from(
      'CONNECT\naccept-version:1.2\n\n\0SUBSCRIBE\nid:s\ndestination:/topic/u\n\n\0SEND\ndestination:/topic/u\ncontent-length:4\n\n😀\0',
    );
    const split = bytes.indexOf(Buffer.from('😀')) + 2;
    socket.write(bytes.subarray(0, split));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(bytes.subarray(split));
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    expect(Buffer.concat(received).toString('utf8')).toContain('content-length:4\n\n😀\0');
  });

  it('answers invalid UTF-8 with an ERROR and a close', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write(Buffer.from([0x43, 0xff, 0x0a]));
    await ended;
    expect(Buffer.concat(received).toString('utf8')).toMatch(/^ERROR\nmessage:Invalid UTF-8\n/);
  });

  it('reports the transport as tcp in stats', () => {
    expect(broker.stats().sessions.total).toBeGreaterThan(0);
  });
});
