/*
 * W1 echo: N clients each keep one 100-byte message in flight (send, wait for the echo, send again).
 * Round trips/s, RTT percentiles, and the server's CPU per round trip over the measured phase.
 */
import { startServer } from '../lib/children.mjs';
import { hasMarker, payload } from '../lib/markers.mjs';
import { between, mark, pool, sleep, within } from '../lib/phase.mjs';
import { Samples } from '../lib/stats.mjs';

/**
 * @param {import('../targets.mjs').TargetDef} def
 * @param {{ clients: number, warmupMs: number, measureMs: number, nodeFlags?: string[] }} p
 */
export async function echo(def, p) {
  const target = await startServer(def, p.nodeFlags);
  /** @type {import('../load/session.mjs').Session[]} */
  const sessions = [];
  try {
    const message = payload(0);
    const samples = new Samples();
    let measuring = false;
    let stopped = false;
    let roundTrips = 0;
    let lost = 0;
    await pool(p.clients, 50, async () => {
      let sentAt = 0;
      const session = def.session({
        port: target.port,
        group: 'echo',
        onData(buf, start, end) {
          if (!hasMarker(buf, start, end)) return;
          const now = performance.now();
          if (measuring) {
            roundTrips++;
            samples.add(now - sentAt);
          }
          if (stopped) return;
          sentAt = now;
          session.send(message);
        },
        onClose: () => {
          if (!stopped) lost++;
        },
      });
      sessions.push(session);
      await within(session.open(), 10_000, `${def.id}: open`);
    });
    const started = performance.now();
    for (const session of sessions) session.send(message);
    await sleep(p.warmupMs);
    const a = mark(target.pids);
    measuring = true;
    await sleep(p.measureMs);
    measuring = false;
    const b = mark(target.pids);
    stopped = true;
    const cost = between(a, b);
    const [p50, p99] = samples.percentiles([50, 99]);
    if (lost > 0) throw new Error(`${def.id}: ${lost} clients lost their session`);
    if (roundTrips === 0)
      throw new Error(`${def.id}: no round trip completed in ${performance.now() - started} ms`);
    return {
      rate: roundTrips / cost.seconds,
      p50,
      p99,
      serverUsPerOp: cost.serverCpuUs / roundTrips,
      lost,
      ...cost,
    };
  } finally {
    for (const session of sessions) session.reset();
    await target.stop();
  }
}
