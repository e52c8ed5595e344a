/*
 * W8 mass reconnect: N subscribers on one topic of our broker (history at its defaults) have each received a
 * few messages, so each knows its position as the SDK would. Their connections are all cut at once (a TCP
 * reset from the load generator: what a proxy or network cut does to the server's side of them), M messages
 * are published while they are away, then all reconnect at once and resume as the SDK does (SUBSCRIBE with
 * `x-stream-offset:offset=<next>` and the `x-stream-epoch` of the last message seen). Measured: from the first
 * reconnect until every subscriber has all M messages (each verified exactly once, in order, consecutive
 * offsets, one epoch, no gap notice: any violation fails the workload), and the server's CPU over that phase
 * (/proc, all threads; a Redis broker's Redis apart). Warm-up rounds on the same server (same cut, publish and
 * resume, verified too) come first, so the measured round does not time the JIT compiling the replay path.
 */
import { startServer } from '../lib/children.mjs';
import { payload } from '../lib/markers.mjs';
import { between, mark, pool, sleep, within } from '../lib/phase.mjs';
import { cpuMicros } from '../lib/proc.mjs';
import { ResumeTracker, verdict } from '../lib/resume-check.mjs';
import { median } from '../lib/stats.mjs';
import { resumePublisher, resumeSubscriber } from '../load/stomp-resume.mjs';

/**
 * @typedef {object} ResumeParams
 * @property {number} subscribers
 * @property {number} missed messages published while the subscribers are away
 * @property {number} seen messages every subscriber receives before the first cut
 * @property {number} warmupRounds unmeasured rounds before the measured one
 * @property {number} timeoutMs for every subscriber to catch up
 * @property {string[]} [nodeFlags]
 */

/**
 * Times at which each of `count` parties finished, and a promise that settles when all have, at the first
 * failure, or after `timeoutMs` (the rejection says how far it got).
 * @param {number} count
 * @param {number} timeoutMs
 * @param {string} what
 */
export function countdown(count, timeoutMs, what) {
  const at = new Float64Array(count).fill(Number.NaN);
  let left = count;
  /** @type {(v?: unknown) => void} */
  let resolve = () => {};
  /** @type {(e: Error) => void} */
  let reject = () => {};
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(
    () => reject(new Error(`${what}: ${count - left} of ${count} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  if (count === 0) resolve();
  const done = promise.finally(() => clearTimeout(timer));
  // A phase that failed after nobody waited for it any more is reported by the verdict, not as a crash.
  done.catch(() => {});
  return {
    at,
    /** @param {number} i */
    hit(i) {
      if (!Number.isNaN(at[i])) return;
      at[i] = performance.now();
      if (--left === 0) resolve();
    },
    /** @param {Error} error */
    fail: (error) => reject(new Error(`${what}: ${error.message}`)),
    done,
  };
}

/**
 * @param {import('../targets.mjs').ResumeTargetDef} def
 * @param {ResumeParams} p
 */
export async function resume(def, p) {
  const target = await startServer(def, p.nodeFlags);
  const { port } = target;
  const trackers = Array.from({ length: p.subscribers }, () => new ResumeTracker());
  /** @type {{ reset(): void }[]} */
  let subscribers = [];
  const publisher = resumePublisher({ port, path: def.path });
  let seq = 0;

  /** Publish `n` messages, the last with a RECEIPT; resolves once the broker has all of them. */
  const publish = async (/** @type {number} */ n) => {
    // Expected before the first SEND: a live subscriber may have it before the RECEIPT comes back.
    for (const t of trackers) t.expect(seq + 1, seq + n);
    /** @type {Promise<void>} */
    let confirmed = Promise.resolve();
    for (let i = 0; i < n; i++) confirmed = publisher.publish(payload(++seq), i === n - 1);
    await within(confirmed, 10_000, `${def.id}: RECEIPT of the last SEND`);
  };
  // What the subscribers are waiting for now: their callbacks report to it.
  let phase = countdown(0, 0, 'idle');
  const begin = (/** @type {string} */ what) => {
    phase = countdown(p.subscribers, p.timeoutMs, `${def.id}: ${what}`);
    return phase;
  };
  /**
   * Connect every subscriber (`concurrency` at a time) with its tracker's resume headers; each counts in the
   * current phase at its RECEIPT (`subscribed`) or when its tracker has every expected message (`caught-up`).
   */
  const connectAll = async (
    /** @type {number} */ concurrency,
    /** @type {'subscribed' | 'caught-up'} */ until,
    /** @type {string} */ what,
  ) => {
    const c = begin(what);
    subscribers = [];
    const opening = pool(p.subscribers, concurrency, async (i) => {
      const s = resumeSubscriber({
        port,
        path: def.path,
        tracker: /** @type {ResumeTracker} */ (trackers[i]),
        onDone: () => phase.hit(i),
        onFailure: (error) => phase.fail(error),
      });
      subscribers.push(s);
      if (until === 'subscribed') await s.open().then(() => c.hit(i), c.fail);
    });
    await Promise.all([opening, c.done]);
    return c.at;
  };
  /** Cut every subscriber at once; resolves when the server has closed all their sessions. */
  const cut = async () => {
    for (const s of subscribers) s.reset();
    subscribers = [];
    const request = target.request;
    if (request === undefined) throw new Error(`${def.id}: the server does not answer requests`);
    for (let i = 0; ; i++) {
      const { sessions } = await request('sessions');
      if (sessions <= 1) return;
      if (i === 500) throw new Error(`${def.id}: ${sessions - 1} sessions still open 10 s after the cut`);
      await sleep(20);
    }
  };
  const check = (/** @type {string} */ what) => {
    const v = verdict(trackers);
    if (v.failed > 0)
      throw new Error(`${def.id}: ${what}: ${v.failed} subscribers wrong: ${v.errors.join('; ')}`);
    if (v.done < p.subscribers)
      throw new Error(`${def.id}: ${what}: ${p.subscribers - v.done} not caught up`);
  };

  try {
    await within(publisher.open(), 10_000, `${def.id}: publisher open`);
    await connectAll(50, 'subscribed', 'first SUBSCRIBE');
    // Every subscriber receives a few messages live first: it then knows an offset and an epoch.
    const live = begin('live messages');
    await publish(p.seen);
    await live.done;
    check('live messages');

    /** @type {Record<string, any>} */
    let result = {};
    for (let round = 0; round <= p.warmupRounds; round++) {
      await cut();
      await publish(p.missed);
      const brokerBefore = (target.brokerPids ?? []).reduce((sum, pid) => sum + cpuMicros(pid), 0);
      const a = mark(target.pids);
      const at = await connectAll(p.subscribers, 'caught-up', `round ${round + 1}: catching up`);
      const b = mark(target.pids);
      const brokerCpuUs =
        (target.brokerPids ?? []).reduce((sum, pid) => sum + cpuMicros(pid), 0) - brokerBefore;
      // Anything after the last expected message would be a duplicate: give it time to show.
      await sleep(300);
      check(`round ${round + 1}`);
      const cost = between(a, b);
      const times = Array.from(at, (t) => t - a.t).sort((x, y) => x - y);
      const deliveries = p.subscribers * p.missed;
      result = {
        catchUpMs: cost.seconds * 1000,
        p50: median(times),
        p99: times[Math.min(times.length - 1, Math.floor(0.99 * times.length))],
        rate: deliveries / cost.seconds,
        serverCpuMs: cost.serverCpuUs / 1000,
        serverUsPerOp: cost.serverCpuUs / deliveries,
        // Only with a broker process of its own (Redis): absent, not 0, for the memory broker.
        ...(target.brokerPids === undefined ? {} : { brokerCpuMs: brokerCpuUs / 1000 }),
        subscribers: p.subscribers,
        missed: p.missed,
        ...cost,
      };
    }
    return result;
  } finally {
    for (const s of subscribers) s.reset();
    publisher.reset();
    await target.stop();
  }
}
