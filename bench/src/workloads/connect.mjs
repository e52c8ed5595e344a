/*
 * W4 connect rate: workers each open a session the way a real client does (SockJS: GET /info, then the
 * transport; socket.io: its handshake and namespace join), wait for the open frame, drop it with a TCP reset
 * (no TIME_WAIT exhausting the load generator's ports) and start again. A warm-up phase comes first: cold
 * servers connect ~25 % slower.
 */
import { startServer } from '../lib/children.mjs';
import { between, mark, sleep, within } from '../lib/phase.mjs';
import { Samples } from '../lib/stats.mjs';

/**
 * @param {import('../targets.mjs').TargetDef} def
 * @param {{ concurrency: number, warmupMs: number, measureMs: number }} p
 */
export async function connect(def, p) {
  const target = await startServer(def);
  try {
    let measuring = false;
    let stopped = false;
    let opened = 0;
    let failed = 0;
    let lastError = '';
    const samples = new Samples();
    const worker = async () => {
      while (!stopped) {
        const t0 = performance.now();
        const session = def.session({ port: target.port, group: 'echo', info: true, onData() {} });
        try {
          await within(session.open(), 5000, `${def.id}: open`);
          if (measuring) {
            opened++;
            samples.add(performance.now() - t0);
          }
        } catch (error) {
          failed++;
          lastError = /** @type {Error} */ (error).message;
        } finally {
          session.reset();
        }
      }
    };
    const workers = Array.from({ length: p.concurrency }, worker);
    await sleep(p.warmupMs);
    const a = mark(target.pids);
    measuring = true;
    await sleep(p.measureMs);
    measuring = false;
    const b = mark(target.pids);
    stopped = true;
    await Promise.all(workers);
    const cost = between(a, b);
    if (opened === 0) throw new Error(`${def.id}: no session opened (${lastError})`);
    const [p50, p99] = samples.percentiles([50, 99]);
    return {
      rate: opened / cost.seconds,
      p50,
      p99,
      serverUsPerOp: cost.serverCpuUs / opened,
      failed,
      ...cost,
    };
  } finally {
    await target.stop();
  }
}
