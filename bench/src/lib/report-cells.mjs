/*
 * What the report's tables share: a field per repetition, per-repetition ratios and their median, CPU
 * efficiency, the median (min-max) cell, the load generator's cell with its warning, a failed target's row.
 */
import { num, rate } from './format.mjs';
import { median, minMax } from './stats.mjs';

/** Above this share of its core the load generator, not the server, may be the limit. */
const LOAD_LIMIT = 0.85;

/**
 * @typedef {Record<string, any>} Result
 * @typedef {Record<string, Record<string, Result[]>>} Results results[key][targetId][rep]
 * @typedef {{ id: string, label: string, family: import('../targets.mjs').Family }} Def
 */

/**
 * @param {Results} results
 * @param {string} key
 * @param {string} id
 * @param {string} field
 */
export function values(results, key, id, field) {
  return (results[key]?.[id] ?? []).map((r) => (r && !r.error ? Number(r[field]) : Number.NaN));
}

/** Per-repetition ratios, then their median. */
export function ratioOf(
  /** @type {Results} */ results,
  /** @type {string} */ key,
  /** @type {string} */ id,
  /** @type {string | null} */ ref,
  field = 'rate',
) {
  if (ref === null || results[key]?.[ref] === undefined) return Number.NaN;
  const ours = values(results, key, id, field);
  const theirs = values(results, key, ref, field);
  return median(ours.map((v, i) => v / /** @type {number} */ (theirs[i])));
}

/** `median (min–max)` */
export function spread(/** @type {number[]} */ v, format = rate) {
  const [lo, hi] = minMax(v);
  return v.length > 1 ? `${format(median(v))} (${format(lo)}–${format(hi)})` : format(median(v));
}

export function loadCell(/** @type {number[]} */ v) {
  const [, hi] = minMax(v);
  return `${num(median(v) * 100, 0)} %${hi > LOAD_LIMIT ? ' ⚠' : ''}`;
}

/** A row for a target that failed in every repetition. */
export function errorRow(
  /** @type {Results} */ results,
  /** @type {string} */ key,
  /** @type {Def} */ def,
  /** @type {number} */ width,
) {
  const runs = results[key]?.[def.id] ?? [];
  if (runs.length === 0 || runs.some((r) => r && !r.error)) return null;
  const message = String(runs.find((r) => r?.error)?.error ?? 'no result').replaceAll('|', '/');
  return [def.label, `error: ${message}`, ...Array(width - 2).fill('')];
}

/**
 * CPU efficiency against a reference: its server µs/op over ours, per repetition, then the median. Above 1x
 * we spend less CPU per operation. Steadier than throughput on a shared machine.
 */
export function efficiency(
  /** @type {Results} */ results,
  /** @type {string} */ key,
  /** @type {string} */ id,
  /** @type {string | null} */ ref,
) {
  const r = ratioOf(results, key, id, ref, 'serverUsPerOp');
  return 1 / r;
}
