/*
 * The stream-history workloads' own parts: reading STOMP frames, the resume check (it must catch every way a
 * resume can go wrong), the on/off pairing and its ratios, and W8 end to end on a small population against
 * the real broker (a server child process, as in a run). `node --test bench/test`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { payload } from '../src/lib/markers.mjs';
import { onOffRatio, pairOrder, renderHistoryReport } from '../src/lib/report-history.mjs';
import { ResumeTracker, verdict } from '../src/lib/resume-check.mjs';
import {
  frameCommand,
  frameHeader,
  headerNeedle,
  readStreamMessage,
  splitFrames,
  stompFrame,
} from '../src/lib/stomp-frames.mjs';
import { historyTargets, resumeTargets } from '../src/targets.mjs';
import { countdown, resume } from '../src/workloads/resume.mjs';

/** A MESSAGE as the broker writes it. */
const message = (/** @type {number} */ offset, /** @type {string} */ epoch, /** @type {number} */ seq) =>
  `MESSAGE\ndestination:/topic/resume\nsubscription:sub-0\nmessage-id:${seq}\nx-stream-offset:${offset}\n` +
  `x-stream-epoch:${epoch}\ncontent-length:100\n\n${payload(seq)}\0`;

test('frames split at NUL, heart-beat EOLs skipped, an incomplete tail left unread', () => {
  const text = `${message(0, 'e1', 1)}\n\n${message(1, 'e1', 2)}RECEIPT\nreceipt-id:r1\n\n\0MESSAGE\nx-st`;
  const buf = Buffer.from(`xx${text}`, 'latin1');
  /** @type {string[]} */
  const commands = [];
  const rest = splitFrames(buf, 2, buf.length, (s, e) => commands.push(frameCommand(buf, s, e)));
  assert.deepEqual(commands, ['MESSAGE', 'MESSAGE', 'RECEIPT']);
  assert.equal(buf.toString('latin1', rest), 'MESSAGE\nx-st');
});

test('headers are read inside their own frame only, bodies are not headers', () => {
  const first = 'RECEIPT\nreceipt-id:subscribed\nx-stream-offset:12\n\n\0';
  const buf = Buffer.from(`${first}MESSAGE\nx-stream-epoch:later\n\n\0`);
  const end = first.length - 1;
  assert.equal(frameHeader(buf, 0, end, headerNeedle('receipt-id')), 'subscribed');
  assert.equal(frameHeader(buf, 0, end, headerNeedle('x-stream-offset')), '12');
  assert.equal(frameHeader(buf, 0, end, headerNeedle('x-stream-epoch')), undefined);
  const body = Buffer.from('MESSAGE\na:1\n\nx-stream-gap:no\n#00000007\0');
  const m = readStreamMessage(body, 0, body.length - 1);
  assert.deepEqual(m, { offset: undefined, epoch: undefined, gap: undefined, seq: 7 });
  const full = Buffer.from(message(41, 'mgx-1', 42));
  assert.deepEqual(readStreamMessage(full, 0, full.length - 1), {
    offset: 41,
    epoch: 'mgx-1',
    gap: undefined,
    seq: 42,
  });
  assert.equal(
    stompFrame('SUBSCRIBE', { id: 's', receipt: undefined, 'x-stream-offset': 'offset=3' }),
    'SUBSCRIBE\nid:s\nx-stream-offset:offset=3\n\n\0',
  );
});

/** @param {number} offset @param {string | undefined} epoch @param {number} seq @param {string} [gap] */
const m = (offset, epoch, seq, gap) => ({ offset, epoch, seq, gap });

test('the tracker keeps its position as the SDK does and resumes from it', () => {
  const t = new ResumeTracker();
  assert.deepEqual(t.subscribeHeaders(), {});
  // The destination had no message yet: the RECEIPT names the next offset, no epoch.
  t.started('0', undefined);
  assert.deepEqual(t.subscribeHeaders(), { 'x-stream-offset': 'offset=0' });
  t.expect(1, 3);
  assert.equal(t.message(m(0, 'e1', 1)), false);
  assert.equal(t.message(m(1, 'e1', 2)), false);
  assert.equal(t.message(m(2, 'e1', 3)), true);
  assert.equal(t.done, true);
  assert.deepEqual(t.subscribeHeaders(), { 'x-stream-offset': 'offset=3', 'x-stream-epoch': 'e1' });
  // A RECEIPT of the same epoch never moves the position back.
  t.started('1', 'e1');
  assert.equal(t.next, 3);
  t.expect(4, 5);
  assert.equal(t.done, false);
  t.message(m(3, 'e1', 4));
  assert.equal(t.message(m(4, 'e1', 5)), true);
  assert.equal(t.received, 2);
  assert.equal(t.error, null);
});

test('the tracker fails on a duplicate, a missed message, another epoch, disorder and gap notices', () => {
  const fresh = () => {
    const t = new ResumeTracker();
    t.started('10', 'e1');
    t.expect(11, 20);
    t.message(m(10, 'e1', 11));
    return t;
  };
  /** @type {[ReturnType<typeof m>, RegExp][]} */
  const cases = [
    [m(10, 'e1', 11), /duplicate/],
    [m(12, 'e1', 12), /missed 1/],
    [m(11, 'e2', 12), /epoch e2/],
    [m(11, 'e1', 13), /#13 where #12/],
    [m(11, 'e1', 21), /outside/],
    [m(11, 'e1', 12, 'truncated'), /gap notice \(truncated\)/],
    [/** @type {any} */ ({ offset: undefined, epoch: undefined, seq: 12 }), /without an offset/],
    [m(11, 'e1', -2), /bench marker/],
  ];
  for (const [bad, why] of cases) {
    const t = fresh();
    assert.equal(t.message(bad), false);
    assert.match(String(t.error), why);
    // The first violation stays; nothing after it counts.
    t.message(m(11, 'e1', 12));
    assert.match(String(t.error), why);
    assert.equal(t.received, 1);
  }
  const ok = fresh();
  const v = verdict([ok, fresh(), Object.assign(fresh(), { error: 'x' })]);
  assert.deepEqual(v, { done: 0, failed: 1, errors: ['subscriber 2: x'] });
});

test('countdown: resolves when all are in, reports how far it got otherwise', async () => {
  const c = countdown(2, 1000, 'two');
  c.hit(1);
  c.hit(1);
  c.hit(0);
  await c.done;
  assert.ok(c.at.every((t) => t > 0));
  const late = countdown(3, 20, 'three');
  late.hit(2);
  await assert.rejects(late.done, /three: 1 of 3 within 20 ms/);
  const failed = countdown(1, 1000, 'one');
  failed.fail(new Error('boom'));
  await assert.rejects(failed.done, /one: boom/);
});

test('history pairs stay together and alternate which side runs first', () => {
  const defs = historyTargets('x');
  const ids = (/** @type {number} */ rep) => pairOrder(defs, rep).map((d) => d.id);
  assert.deepEqual(ids(0), [
    'sockwire-stomp-ws',
    'sockwire-stomp-ws-nohistory',
    'sockwire-stomp-sockjs',
    'sockwire-stomp-sockjs-nohistory',
    'sockwire-stomp-redis-ws',
    'sockwire-stomp-redis-ws-nohistory',
  ]);
  assert.deepEqual(ids(1).slice(0, 2), ['sockwire-stomp-ws-nohistory', 'sockwire-stomp-ws']);
  assert.deepEqual(
    defs.map((d) => /** @type {any} */ (d.options).history),
    [undefined, false, undefined, false, undefined, false],
  );
});

test('on ÷ off is the median of per-repetition ratios; the report gives the verdict', () => {
  const rates = (/** @type {number[]} */ v) =>
    v.map((rate) => ({ rate, serverUsPerOp: 1e6 / rate, p50: 1, loadCpu: 0.5 }));
  const results = {
    'W7-w1': {
      'sockwire-stomp-ws': rates([90, 100, 80]),
      'sockwire-stomp-ws-nohistory': rates([100, 100, 100]),
      'sockwire-stomp-sockjs': rates([95, 96, 97]),
      'sockwire-stomp-sockjs-nohistory': [...rates([100, 100]), { error: 'lost' }],
    },
  };
  assert.equal(onOffRatio(results, 'W7-w1', 'sockwire-stomp-ws', 'sockwire-stomp-ws-nohistory'), 0.9);
  const sockjs = onOffRatio(results, 'W7-w1', 'sockwire-stomp-sockjs', 'sockwire-stomp-sockjs-nohistory');
  assert.ok(Math.abs(sockjs - 0.955) < 1e-9, `a failed repetition is left out: ${sockjs}`);
  const text = renderHistoryReport(
    { config: { history: { subscribers: 1000 } }, results },
    { historyTargets: historyTargets(''), resumeTargets: [] },
  );
  assert.match(text, /memory broker, raw WebSocket \| 1 +\| 90 \(80–100\) \| 100 \(100–100\) \| 0\.90x/);
  assert.match(text, /history on ≥ 0\.9x off \| memory broker, raw WebSocket \| 0\.90x \| reached/);
  assert.match(text, /SockJS websocket \| 0\.9[56]x \| reached/);
  assert.equal(
    renderHistoryReport({ config: {}, results: {} }, { historyTargets: [], resumeTargets: [] }),
    '',
  );
});

test('W8 end to end, small: every subscriber resumes exactly once and in order', async () => {
  const def = /** @type {import('../src/targets.mjs').ResumeTargetDef} */ (
    resumeTargets('@sockwire/server')[0]
  );
  const r = await resume(def, { subscribers: 20, missed: 10, seen: 3, warmupRounds: 1, timeoutMs: 10_000 });
  assert.equal(r.subscribers, 20);
  assert.ok(r.catchUpMs > 0 && r.catchUpMs < 10_000, `caught up in ${r.catchUpMs} ms`);
  assert.ok(r.p50 <= r.catchUpMs + 1);
});

test('W8 fails when the history is off: the resume cannot be served', async () => {
  const [memory] = resumeTargets('@sockwire/server');
  const def = { ...memory, id: 'no-history', options: { stompModule: '@sockwire/server', history: false } };
  await assert.rejects(
    resume(/** @type {any} */ (def), {
      subscribers: 3,
      missed: 2,
      seen: 2,
      warmupRounds: 0,
      timeoutMs: 5000,
    }),
    /without an offset|gap notice/,
  );
});
