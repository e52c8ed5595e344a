/*
 * The harness's own parts: marker scanning, statistics, and the lean clients against real servers on
 * loopback (a `ws` server, and a raw TCP server that cuts its HTTP responses at awkward places).
 * `node --test bench/test`.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { hasMarker, payload, scanMarkers } from '../src/lib/markers.mjs';
import { median, minMax, Samples } from '../src/lib/stats.mjs';
import { formatRequest, KeepAliveHttp } from '../src/load/http-client.mjs';
import { hasOpenFrame } from '../src/load/session.mjs';
import { LeanWebSocket } from '../src/load/ws-client.mjs';

test('markers survive SockJS framing and count batched messages', () => {
  assert.equal(payload(7).length, 100);
  const frame = Buffer.from(`a[${JSON.stringify(payload(7))},${JSON.stringify(payload(123456789))}]`);
  /** @type {number[]} */
  const seen = [];
  scanMarkers(frame, 0, frame.length, (seq) => seen.push(seq));
  assert.deepEqual(seen, [7, 23456789]);
  assert.equal(hasMarker(Buffer.from('h'), 0, 1), false);
});

test('open frames are found at line starts and after `data: `, not inside prelude or payload', () => {
  const check = (/** @type {string} */ s) => hasOpenFrame(Buffer.from(s), 0, Buffer.byteLength(s));
  assert.equal(check('o\n'), true);
  assert.equal(check('hhhh\no\n'), true);
  assert.equal(check('data: o\r\n\r\n'), true);
  assert.equal(check('a["foo"]\n'), false);
});

test('medians, spreads and percentiles', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([Number.NaN])));
  assert.deepEqual(minMax([2, Number.NaN, 5, 1]), [1, 5]);
  const samples = new Samples(8);
  for (let i = 1; i <= 100; i++) samples.add(i);
  // Past capacity it keeps every k-th sample: percentiles stay close to the true ones.
  const [p50 = 0, p99 = 0] = samples.percentiles([50, 99]);
  assert.ok(Math.abs(p50 - 50) <= 16, `p50 ${p50}`);
  assert.ok(p99 >= 80, `p99 ${p99}`);
});

/** @param {net.Server | import('node:http').Server} server */
const portOf = (server) => /** @type {net.AddressInfo} */ (server.address()).port;

test('KeepAliveHttp parses chunked and sized bodies split at every byte, on one connection', async () => {
  const responses = [
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\no\n\r\n9\r\na["abc"]\n\r\n0\r\n\r\n',
    'HTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  ];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    // The client ends with a TCP reset.
    socket.on('error', () => {});
    let n = 0;
    socket.on('data', async () => {
      const bytes = Buffer.from(/** @type {string} */ (responses[n++]));
      // One byte per write, each flushed: the parser must resume anywhere.
      for (const byte of bytes) {
        socket.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const port = portOf(server);
  const http = new KeepAliveHttp(port);
  /** @returns {Promise<{ status: number, bodies: string[] }>} */
  const get = () =>
    new Promise((resolve, reject) => {
      /** @type {string[]} */
      const bodies = [];
      http.request(formatRequest('GET', '/', port), {
        onBody: (buf, start, end) => bodies.push(buf.toString('latin1', start, end)),
        onEnd: (status) => resolve({ status, bodies }),
        onError: reject,
      });
    });
  assert.deepEqual(await get(), { status: 200, bodies: ['o\n', 'a["abc"]\n'] });
  assert.deepEqual(await get(), { status: 204, bodies: [] });
  assert.deepEqual(await get(), { status: 200, bodies: ['hello'] });
  assert.equal(connections, 1);
  http.reset();
  await new Promise((r) => server.close(r));
});

test('LeanWebSocket echoes through ws, reads 16- and 64-bit lengths, answers pings', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  /** @type {Promise<Buffer>} */
  const pong = new Promise((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        ws.send(data, { binary: false });
        ws.send('x'.repeat(300));
        ws.send('y'.repeat(70_000));
        ws.ping('are you there');
      });
      ws.on('pong', resolve);
    });
  });
  /** @type {number[]} */
  const lengths = [];
  const done = new Promise((resolve) => {
    const client = new LeanWebSocket(
      /** @type {import('node:net').AddressInfo} */ (wss.address()).port,
      '/',
      {
        onOpen: () => client.sendText('hello'),
        onMessage(_buf, start, end) {
          lengths.push(end - start);
          if (lengths.length === 3) resolve(client);
        },
      },
    );
  });
  const client = /** @type {LeanWebSocket} */ (await done);
  assert.deepEqual(lengths, [5, 300, 70_000]);
  assert.equal((await pong).toString(), 'are you there');
  client.reset();
  await new Promise((r) => wss.close(r));
});
