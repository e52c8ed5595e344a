/*
 * W3 idle memory per session, as a slope: open n1 idle sessions, collect garbage and read heap and RSS, open
 * up to n2, read again, and divide the difference by n2 - n1. Start-up and warm-up costs (code, JIT, pools)
 * fall out of the difference.
 */
import { startServer } from '../lib/children.mjs';
import { pool, sleep, within } from '../lib/phase.mjs';

/**
 * @param {import('../targets.mjs').TargetDef} def
 * @param {{ n1: number, n2: number, settleMs: number }} p
 */
export async function idle(def, p) {
  const target = await startServer(def);
  const request = /** @type {NonNullable<typeof target.request>} */ (target.request);
  /** @type {import('../load/session.mjs').Session[]} */
  const sessions = [];
  let lost = 0;
  try {
    /** @param {number} n */
    const openUpTo = (n) =>
      pool(n - sessions.length, 50, async () => {
        const session = def.session({
          port: target.port,
          group: 'echo',
          onData() {},
          onClose: () => lost++,
        });
        sessions.push(session);
        await within(session.open(), 10_000, `${def.id}: open`);
      });
    await openUpTo(p.n1);
    await sleep(p.settleMs);
    const m1 = await request('mem');
    await openUpTo(p.n2);
    await sleep(p.settleMs);
    const m2 = await request('mem');
    if (m2.sessions - m1.sessions !== p.n2 - p.n1) {
      throw new Error(`${def.id}: the server counts ${m1.sessions} then ${m2.sessions} sessions`);
    }
    const n = p.n2 - p.n1;
    return {
      heapPerSession: (m2.heapUsed - m1.heapUsed) / n,
      rssPerSession: (m2.rss - m1.rss) / n,
      sessions: m2.sessions,
      lost,
    };
  } finally {
    for (const session of sessions) session.reset();
    await target.stop();
  }
}
