/*
 * W1 echo with the native load generator (bench/native/echo-load.c) on the load core: the same clients,
 * message and phases as echo.mjs, for the WebSocket targets. The generator counts round trips and RTTs over
 * its measured phase; the harness takes its CPU marks when the generator says the phase starts and ends.
 */
import { startServer } from '../lib/children.mjs';
import { payload } from '../lib/markers.mjs';
import { between, mark } from '../lib/phase.mjs';
import { cpuMicros } from '../lib/proc.mjs';
import { runNativeEcho } from '../load/native-echo.mjs';

/**
 * @param {import('../targets.mjs').TargetDef} def
 * @param {{ clients: number, warmupMs: number, measureMs: number, nodeFlags?: string[] }} p
 * @param {string} binary the built generator (buildNativeEcho)
 */
export async function echoNative(def, p, binary) {
  if (def.native === undefined) throw new Error(`${def.id}: no native protocol (not a WebSocket target)`);
  const target = await startServer(def, p.nodeFlags);
  try {
    /** @type {{ phase: ReturnType<typeof mark>, generatorUs: number }[]} */
    const marks = [];
    const at = (/** @type {number} */ pid) =>
      marks.push({ phase: mark(target.pids, [pid]), generatorUs: cpuMicros(pid) });
    const r = await runNativeEcho(target.port, {
      binary,
      core: '0',
      clients: p.clients,
      warmupMs: p.warmupMs,
      measureMs: p.measureMs,
      protocol: def.native(target.port, 'echo', payload(0)),
      onMeasure: at,
      onDone: at,
    });
    const [a, b] = marks;
    if (a === undefined || b === undefined || marks.length !== 2)
      throw new Error(`${def.id}: the generator's phase marks are missing`);
    const cost = between(a.phase, b.phase);
    if (r.mismatched > 0) throw new Error(`${def.id}: ${r.mismatched} echoes carried the wrong sequence`);
    if (r.roundTrips === 0) throw new Error(`${def.id}: no round trip completed`);
    return {
      rate: r.roundTrips / r.seconds,
      p50: r.p50Ms,
      p99: r.p99Ms,
      serverUsPerOp: cost.serverCpuUs / r.roundTrips,
      lost: 0,
      generator: 'native',
      generatorCpu: (b.generatorUs - a.generatorUs) / (cost.seconds * 1e6),
      echoesPerWakeup: r.roundTrips / Math.max(1, r.wakeups),
      ...cost,
    };
  } finally {
    await target.stop();
  }
}
