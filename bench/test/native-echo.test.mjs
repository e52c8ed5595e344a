/*
 * The native W1 load generator: the protocol bytes built in JS, its result lines, and the C program itself
 * (compiled with gcc, which these tests need: without it they fail saying so) against real `ws` servers
 * speaking raw WebSocket, SockJS's websocket framing and engine.io's pings. `node --test bench/test`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { payload } from '../src/lib/markers.mjs';
import { buildNativeEcho, formatSpec, parseEvent, runNativeEcho } from '../src/load/native-echo.mjs';
import { rawWsNative, socketioWsNative, sockjsWsNative } from '../src/load/ws-sessions.mjs';

/** @param {string} spec */
const fields = (spec) => {
  /** @type {Map<string, string[]>} */
  const map = new Map();
  for (const line of spec.trimEnd().split('\n')) {
    const [key = '', ...rest] = line.split(' ');
    map.set(key, [...(map.get(key) ?? []), rest.join(' ')]);
  }
  return map;
};
const unhex = (/** @type {string | undefined} */ hex) => Buffer.from(hex ?? '', 'hex');

test('the spec carries a masked frame with the marker where the generator stamps it', () => {
  const spec = fields(
    formatSpec(4000, {
      clients: 3,
      warmupMs: 10,
      measureMs: 20,
      protocol: sockjsWsNative(4000, 'echo', payload(0)),
    }),
  );
  const frame = unhex(spec.get('frame')?.[0]);
  const body = JSON.stringify([payload(0)]);
  // FIN + text, mask bit + 104, a zero masking key, then the payload as is.
  assert.deepEqual([...frame.subarray(0, 6)], [0x81, 0x80 | 104, 0, 0, 0, 0]);
  assert.equal(frame.subarray(6).toString(), body);
  const marker = Number(spec.get('marker')?.[0]);
  assert.equal(frame.toString('latin1', marker, marker + 9), '#00000000');
  const upgrade = unhex(spec.get('upgrade')?.[0]).toString();
  const clientId = Number(spec.get('client-id')?.[0]);
  assert.match(upgrade, /^GET \/echo\/000\/c00000000\/websocket HTTP\/1\.1\r\n/);
  assert.equal(upgrade.slice(clientId - 1, clientId + 8), 'c00000000');
  assert.equal(unhex(spec.get('ready')?.[0]).toString(), 'o');
  assert.equal(spec.has('reply'), false);
  assert.deepEqual(spec.get('run'), ['']);
});

test('raw ws opens on the 101 and has no client id; engine.io pings get their pong', () => {
  const raw = fields(
    formatSpec(4000, {
      clients: 1,
      warmupMs: 0,
      measureMs: 1,
      protocol: rawWsNative(4000, 'echo', payload(5)),
    }),
  );
  assert.deepEqual(raw.get('ready'), ['-']);
  assert.equal(raw.has('client-id'), false);
  assert.equal(Number(raw.get('marker')?.[0]), 6); // 2 header bytes + 4 mask bytes: the payload starts with `#`
  const sio = fields(
    formatSpec(4000, {
      clients: 1,
      warmupMs: 0,
      measureMs: 1,
      protocol: socketioWsNative(4000, 'echo', payload(5)),
    }),
  );
  const replies = (sio.get('reply') ?? []).map((r) => r.split(' ').map((h) => unhex(h)));
  const pong = replies.find(([prefix]) => prefix?.toString() === '2')?.[1];
  assert.equal(pong?.subarray(6).toString(), '3');
  assert.equal(unhex(sio.get('ready')?.[0]).toString(), '40');
  assert.equal(unhex(sio.get('frame')?.[0]).subarray(6).toString(), `42${JSON.stringify(['e', payload(5)])}`);
});

test('result lines are checked, not trusted', () => {
  const done =
    '{"event":"done","roundTrips":10,"seconds":1.5,"p50Ms":0.2,"p99Ms":1,"over100Ms":0,"mismatched":0,"replies":2,"wakeups":7,"clients":5}';
  assert.deepEqual(parseEvent(done), {
    event: 'done',
    roundTrips: 10,
    seconds: 1.5,
    p50Ms: 0.2,
    p99Ms: 1,
    over100Ms: 0,
    mismatched: 0,
    replies: 2,
    wakeups: 7,
    clients: 5,
  });
  assert.deepEqual(parseEvent('{"event":"measure"}'), { event: 'measure' });
  assert.deepEqual(parseEvent('{"event":"error","message":"upgrade refused"}'), {
    event: 'error',
    message: 'upgrade refused',
  });
  assert.throws(() => parseEvent(done.replace('"roundTrips":10,', '')), /count for roundTrips/);
  assert.throws(() => parseEvent(done.replace('10', '-1')), /count for roundTrips/);
  assert.throws(() => parseEvent('segfault'), /not a JSON line/);
  assert.throws(() => parseEvent('{"event":"later"}'), /unknown event/);
});

/**
 * A `ws` server on loopback; `onText` answers each text message of a connection.
 * @param {(ws: import('ws').WebSocket, path: string) => (text: string) => void} onConnection
 */
async function server(onConnection) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws, req) => {
    const onText = onConnection(ws, req.url ?? '');
    ws.on('message', (data) => onText(String(data)));
  });
  const port = /** @type {import('node:net').AddressInfo} */ (wss.address()).port;
  return { port, close: () => new Promise((resolve) => wss.close(resolve)) };
}

/** Sequence numbers of the messages one client sent must run 1, 2, 3, ... */
function sequenceCheck() {
  let received = 0;
  let broken = 0;
  return {
    /** @param {string} text @param {{ last: number }} client */
    see(text, client) {
      const i = text.indexOf('#');
      const seq = Number(text.slice(i + 1, i + 9));
      if (seq !== client.last + 1) broken++;
      client.last = seq;
      received++;
    },
    get received() {
      return received;
    },
    get broken() {
      return broken;
    },
  };
}

test('the C generator runs W1 against a real ws echo server and counts what the server saw', async () => {
  const binary = buildNativeEcho();
  const seqs = sequenceCheck();
  const echo = await server((ws) => {
    const client = { last: 0 };
    return (text) => {
      seqs.see(text, client);
      ws.send(text);
    };
  });
  try {
    const clients = 5;
    let marks = 0;
    const r = await runNativeEcho(echo.port, {
      binary,
      clients,
      warmupMs: 0,
      measureMs: 1000,
      protocol: rawWsNative(echo.port, 'echo', payload(0)),
      onMeasure: () => marks++,
      onDone: () => marks++,
    });
    assert.equal(marks, 2);
    assert.equal(r.clients, clients);
    assert.equal(r.mismatched, 0);
    assert.equal(seqs.broken, 0);
    assert.ok(r.roundTrips > 100, `${r.roundTrips} round trips in a second`);
    assert.ok(r.seconds >= 1 && r.seconds < 1.5, `measured ${r.seconds} s`);
    // Echoes before the measured phase (one per client at most) and messages in flight when it ended.
    assert.ok(seqs.received >= r.roundTrips, `server saw ${seqs.received}, generator ${r.roundTrips}`);
    assert.ok(
      seqs.received <= r.roundTrips + 2 * clients,
      `server saw ${seqs.received}, generator ${r.roundTrips}`,
    );
    assert.ok(r.p50Ms > 0 && r.p50Ms <= r.p99Ms, `p50 ${r.p50Ms} p99 ${r.p99Ms}`);
    assert.ok(r.wakeups > 0 && r.wakeups <= r.roundTrips, `${r.wakeups} wakeups`);
  } finally {
    await echo.close();
  }
});

test('SockJS framing: distinct session ids, the open frame awaited, heartbeats ignored', async () => {
  const binary = buildNativeEcho();
  /** @type {Set<string>} */
  const ids = new Set();
  const seqs = sequenceCheck();
  const sockjs = await server((ws, path) => {
    ids.add(path);
    const client = { last: 0 };
    ws.send('o');
    const heartbeat = setInterval(() => ws.send('h'), 20);
    ws.on('close', () => clearInterval(heartbeat));
    return (text) => {
      const [message = ''] = JSON.parse(text);
      seqs.see(message, client);
      ws.send(`a${JSON.stringify([message])}`);
    };
  });
  try {
    const r = await runNativeEcho(sockjs.port, {
      binary,
      clients: 4,
      warmupMs: 100,
      measureMs: 300,
      protocol: sockjsWsNative(sockjs.port, 'echo', payload(0)),
    });
    assert.deepEqual(
      [...ids].sort(),
      [0, 1, 2, 3].map((i) => `/echo/000/c0000000${i}/websocket`),
    );
    assert.equal(r.mismatched, 0);
    assert.equal(seqs.broken, 0);
    assert.ok(r.roundTrips > 0);
  } finally {
    await sockjs.close();
  }
});

test('engine.io: joins the namespace on open and answers every ping', async () => {
  const binary = buildNativeEcho();
  let pongs = 0;
  let pings = 0;
  const sio = await server((ws) => {
    ws.send('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
    const ping = setInterval(() => {
      pings++;
      ws.send('2');
    }, 30);
    ws.on('close', () => clearInterval(ping));
    return (text) => {
      if (text === '40') ws.send('40{"sid":"def"}');
      else if (text === '3') pongs++;
      else ws.send(text);
    };
  });
  try {
    const r = await runNativeEcho(sio.port, {
      binary,
      clients: 2,
      warmupMs: 50,
      measureMs: 300,
      protocol: socketioWsNative(sio.port, 'echo', payload(0)),
    });
    assert.ok(r.roundTrips > 0);
    assert.ok(pings > 0 && r.replies > 0, `${pings} pings, ${r.replies} answered`);
    assert.ok(pongs > 0 && pongs <= pings, `${pongs} pongs for ${pings} pings`);
  } finally {
    await sio.close();
  }
});

test('a refused upgrade fails the run with the server status line', async () => {
  const binary = buildNativeEcho();
  const echo = await server(() => () => {});
  try {
    const protocol = rawWsNative(echo.port, 'echo', payload(0));
    protocol.upgrade = protocol.upgrade.replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99');
    await assert.rejects(
      runNativeEcho(echo.port, { binary, clients: 1, warmupMs: 0, measureMs: 100, protocol }),
      /upgrade refused: HTTP\/1\.1 400/,
    );
  } finally {
    await echo.close();
  }
});
