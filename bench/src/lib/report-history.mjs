/*
 * The report of the stream-history workloads: W7 (the cost of history: each broker and endpoint with history
 * on and off, ratios on ÷ off inside each repetition, then their median) and W8 (mass reconnect and resume).
 * Apart from report.mjs so that a run of only these workloads reports only them.
 */
import { ms, num, rate, ratio, table } from './format.mjs';
import { median, minMax } from './stats.mjs';

/** W7's goal: history costs at most 10 % of the throughput. */
export const HISTORY_GOAL = 0.9;
const LOAD_LIMIT = 0.85;

/**
 * @typedef {Record<string, Record<string, Record<string, any>[]>>} Results results[key][targetId][rep]
 * @typedef {{ id: string, label: string, history?: boolean, variant?: string }} HistoryDef
 */

/**
 * @param {Results} results
 * @param {string} key
 * @param {string} id
 * @param {string} field
 */
function values(results, key, id, field) {
  // A field a result does not have (or JSON's null for NaN) is no figure, not 0.
  return (results[key]?.[id] ?? []).map((r) =>
    r && !r.error && r[field] != null ? Number(r[field]) : Number.NaN,
  );
}

/**
 * The median over repetitions of on ÷ off, each ratio inside one repetition.
 * @param {Results} results
 * @param {string} key
 * @param {string} onId
 * @param {string} offId
 * @param {string} [field]
 */
export function onOffRatio(results, key, onId, offId, field = 'rate') {
  const on = values(results, key, onId, field);
  const off = values(results, key, offId, field);
  return median(on.map((v, i) => v / /** @type {number} */ (off[i])));
}

/**
 * The W7 targets in a repetition's order: pairs stay together (on and off measured minutes apart at most),
 * and which of the two goes first alternates between repetitions, so neither always runs on a fresher or
 * more tired machine.
 * @template {{ history?: boolean, variant?: string }} T
 * @param {T[]} defs
 * @param {number} rep
 * @returns {T[]}
 */
export function pairOrder(defs, rep) {
  /** @type {Map<string, T[]>} */
  const byVariant = new Map();
  for (const def of defs) {
    const pair = byVariant.get(def.variant ?? '') ?? [];
    byVariant.set(def.variant ?? '', pair);
    pair.push(def);
  }
  const onFirst = rep % 2 === 0;
  return [...byVariant.values()].flatMap((pair) =>
    [...pair].sort((a, b) =>
      onFirst ? Number(b.history) - Number(a.history) : Number(a.history) - Number(b.history),
    ),
  );
}

/** `median (min–max)` */
function spread(/** @type {number[]} */ v, format = rate) {
  const [lo, hi] = minMax(v);
  return v.length > 1 ? `${format(median(v))} (${format(lo)}–${format(hi)})` : format(median(v));
}

function loadCell(/** @type {number[]} */ v) {
  return `${num(median(v) * 100, 0)} %${minMax(v)[1] > LOAD_LIMIT ? ' ⚠' : ''}`;
}

/** The first error of a target, when it failed in every repetition. */
function failure(/** @type {Results} */ results, /** @type {string} */ key, /** @type {string} */ id) {
  const runs = results[key]?.[id] ?? [];
  if (runs.length === 0 || runs.some((r) => r && !r.error)) return null;
  return String(runs.find((r) => r?.error)?.error ?? 'no result').replaceAll('|', '/');
}

/**
 * Pairs (history on, history off) of the measured W7 targets.
 * @param {HistoryDef[]} defs
 * @returns {{ variant: string, on: HistoryDef, off: HistoryDef }[]}
 */
function pairs(defs) {
  return pairOrder(defs, 0).flatMap((on, i, all) => {
    const off = all[i + 1];
    return on.history === true && off?.history === false && off.variant === on.variant
      ? [{ variant: on.variant ?? on.id, on, off }]
      : [];
  });
}

/** @param {Results} results @param {HistoryDef[]} defs */
function historyTable(results, defs) {
  const header = [
    'broker, endpoint',
    'in flight',
    'deliveries/s on (min–max)',
    'off (min–max)',
    'on ÷ off',
    'µs/delivery on / off',
    'CPU on ÷ off',
    'p50 ms on / off',
    'load CPU on / off',
  ];
  const rows = [];
  for (const key of Object.keys(results).filter((k) => k.startsWith('W7-'))) {
    for (const { variant, on, off } of pairs(defs)) {
      if (results[key]?.[on.id] === undefined) continue;
      const failed = failure(results, key, on.id) ?? failure(results, key, off.id);
      if (failed !== null) {
        rows.push([variant, key.slice(4), `error: ${failed}`, ...Array(header.length - 3).fill('')]);
        continue;
      }
      const v = (/** @type {string} */ id, /** @type {string} */ field) => values(results, key, id, field);
      rows.push([
        variant,
        key.slice(4),
        spread(v(on.id, 'rate')),
        spread(v(off.id, 'rate')),
        ratio(onOffRatio(results, key, on.id, off.id)),
        `${num(median(v(on.id, 'serverUsPerOp')), 2)} / ${num(median(v(off.id, 'serverUsPerOp')), 2)}`,
        ratio(onOffRatio(results, key, on.id, off.id, 'serverUsPerOp')),
        `${ms(median(v(on.id, 'p50')))} / ${ms(median(v(off.id, 'p50')))}`,
        `${loadCell(v(on.id, 'loadCpu'))} / ${loadCell(v(off.id, 'loadCpu'))}`,
      ]);
    }
  }
  return table(header, rows);
}

/** @param {Results} results @param {{ id: string, label: string }[]} defs */
function resumeTable(results, defs) {
  const header = [
    'broker',
    'all caught up, ms (min–max)',
    'per subscriber p50 / p99 ms',
    'server CPU ms (min–max)',
    'server µs/replayed message',
    'Redis CPU ms',
    'load CPU',
  ];
  const rows = [];
  for (const def of defs) {
    if (results.W8?.[def.id] === undefined) continue;
    const failed = failure(results, 'W8', def.id);
    if (failed !== null) {
      rows.push([def.label, `error: ${failed}`, ...Array(header.length - 2).fill('')]);
      continue;
    }
    const v = (/** @type {string} */ field) => values(results, 'W8', def.id, field);
    rows.push([
      def.label,
      spread(v('catchUpMs'), ms),
      `${ms(median(v('p50')))} / ${ms(median(v('p99')))}`,
      spread(v('serverCpuMs'), ms),
      num(median(v('serverUsPerOp')), 2),
      Number.isFinite(median(v('brokerCpuMs'))) ? ms(median(v('brokerCpuMs'))) : '—',
      loadCell(v('loadCpu')),
    ]);
  }
  return table(header, rows);
}

/** @param {Results} results @param {HistoryDef[]} defs */
function goalRows(results, defs) {
  const rows = [];
  for (const key of Object.keys(results).filter((k) => k.startsWith('W7-'))) {
    for (const { variant, on, off } of pairs(defs)) {
      const value = onOffRatio(results, key, on.id, off.id);
      if (!Number.isFinite(value)) continue;
      rows.push([
        `W7 (${key.slice(4)} in flight) history on ≥ ${HISTORY_GOAL}x off`,
        variant,
        ratio(value),
        value >= HISTORY_GOAL ? 'reached' : '**not reached**',
        ratio(1 / onOffRatio(results, key, on.id, off.id, 'serverUsPerOp')),
      ]);
    }
  }
  return rows;
}

/**
 * The W7 and W8 sections of a run's report ('' when the run had neither).
 * @param {{ config: any, results: Results }} run
 * @param {{ historyTargets: HistoryDef[], resumeTargets: { id: string, label: string }[] }} defs
 */
export function renderHistoryReport(run, defs) {
  const { config, results } = run;
  const out = [];
  if (Object.keys(results).some((k) => k.startsWith('W7-'))) {
    const h = config.history;
    out.push(
      `### W7 the cost of stream history (our broker, ${h.subscribers} subscribers on one topic, one publisher, 100 B; history on = default, 1000 messages / 300 s)`,
      '',
      historyTable(results, defs.historyTargets),
      '',
      '"on ÷ off": deliveries/s with history over without, per repetition, then the median (below 1x: history',
      'costs throughput). "CPU on ÷ off": server µs per delivery likewise (above 1x: history costs CPU).',
      '',
    );
  }
  if (results.W8) {
    const r = config.resume;
    out.push(
      `### W8 mass reconnect (${r.subscribers} subscribers cut at once, ${r.missed} messages published meanwhile, all resume at once)`,
      '',
      resumeTable(results, defs.resumeTargets),
      '',
      `From the first reconnect until every subscriber has all ${r.missed} missed messages, each checked exactly once and`,
      "in order; the server's CPU (and its Redis's) over that time. After warm-up rounds on the same server.",
      '',
    );
  }
  const goals = goalRows(results, defs.historyTargets);
  if (goals.length > 0) {
    out.push(
      '### Goal: history costs at most 10 %',
      '',
      table(['goal', 'broker, endpoint', 'median ratio', 'verdict', 'CPU efficiency ratio'], goals),
      '',
    );
  }
  return out.join('\n');
}
