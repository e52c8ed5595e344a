/*
 * W2 fan-out: one publisher, N subscribers on the same server; every message goes to every session. Closed
 * loop with a window: a message is complete once every subscriber has it, and each completion lets the
 * publisher send the next. Window 1 measures latency-bound throughput; window 32 lets HTTP publishers batch
 * several messages per POST, as real clients do. Deliveries/s counts subscriber receipts only.
 */
import { startServer } from '../lib/children.mjs';
import { payload, scanMarkers } from '../lib/markers.mjs';
import { between, mark, pool, sleep, within } from '../lib/phase.mjs';
import { Samples } from '../lib/stats.mjs';

/**
 * @param {import('../targets.mjs').TargetDef} def
 * @param {{ subscribers: number, windows: number[], warmupMs: number, measureMs: number, nodeFlags?: string[] }} p
 * @returns {Promise<Record<string, object>>} one result per window, keyed `w1`, `w32`, ...
 */
export async function fanout(def, p) {
  const target = await startServer(def, p.nodeFlags);
  /** @type {import('../load/session.mjs').Session[]} */
  const sessions = [];
  try {
    /** @type {Map<number, { sentAt: number, remaining: number }>} */
    const inflight = new Map();
    let nextSeq = 1;
    let window = 0;
    let measuring = false;
    let deliveries = 0;
    let completed = 0;
    let lost = 0;
    let samples = new Samples();
    /** @type {import('../load/session.mjs').Session | null} */
    let publisher = null;

    const publish = () => {
      const seq = nextSeq++;
      inflight.set(seq % 1e8, { sentAt: performance.now(), remaining: p.subscribers });
      publisher?.send(payload(seq));
    };
    /** @param {number} now */
    const onSeq = (now) => (/** @type {number} */ seq) => {
      const m = inflight.get(seq);
      if (m === undefined) return;
      if (measuring) {
        deliveries++;
        samples.add(now - m.sentAt);
      }
      if (--m.remaining === 0) {
        inflight.delete(seq);
        completed++;
        if (inflight.size < window) publish();
      }
    };

    await pool(p.subscribers, 50, async () => {
      const session = def.session({
        port: target.port,
        group: 'bcast',
        role: 'subscriber',
        onData: (buf, start, end) => scanMarkers(buf, start, end, onSeq(performance.now())),
        onClose: () => {
          if (window > 0) lost++;
        },
      });
      sessions.push(session);
      await within(session.open(), 10_000, `${def.id}: subscriber open`);
    });
    publisher = def.session({ port: target.port, group: 'bcast', role: 'publisher', onData() {} });
    sessions.push(publisher);
    await within(publisher.open(), 10_000, `${def.id}: publisher open`);

    /** @type {Record<string, object>} */
    const results = {};
    for (const w of p.windows) {
      // Drain the previous window's messages before the next phase so they do not count in it.
      window = 0;
      for (let i = 0; inflight.size > 0 && i < 100; i++) await sleep(50);
      inflight.clear();
      window = w;
      for (let i = 0; i < w; i++) publish();
      await sleep(p.warmupMs);
      samples = new Samples();
      deliveries = 0;
      const completedBefore = completed;
      const a = mark(target.pids);
      measuring = true;
      await sleep(p.measureMs);
      measuring = false;
      const b = mark(target.pids);
      const cost = between(a, b);
      const [p50, p99] = samples.percentiles([50, 99]);
      // A lost subscriber stalls every message after it: the figure would be the stall, not the server.
      if (lost > 0) throw new Error(`${def.id}: ${lost} subscribers lost their session`);
      if (deliveries === 0) throw new Error(`${def.id}: no delivery with window ${w}`);
      results[`w${w}`] = {
        rate: deliveries / cost.seconds,
        messagesPerSecond: (completed - completedBefore) / cost.seconds,
        p50,
        p99,
        serverUsPerOp: cost.serverCpuUs / deliveries,
        lost,
        ...cost,
      };
    }
    window = 0;
    return results;
  } finally {
    for (const session of sessions) session.reset();
    await target.stop();
  }
}
