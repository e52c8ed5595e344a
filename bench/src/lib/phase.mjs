/*
 * Marks around a measured phase: wall time, the target's CPU (from /proc), the load generator's own CPU, and
 * what the rest of the machine took from both cores meanwhile (noise on a shared machine).
 */
import { coreBusyMicros, cpuMicros } from './proc.mjs';

const SERVER_CORE = 1;
const LOAD_CORE = 0;

/**
 * @param {number[]} pids the processes under test (a target, or a broker's several)
 * @param {number[]} [loadPids] load generators besides this process (the native echo load), counted as load
 */
export function mark(pids, loadPids = []) {
  return {
    t: performance.now(),
    // CLOCK_MONOTONIC, the clock V8 stamps profile samples with: lets a profile be cut to the measured phase.
    hr: process.hrtime.bigint(),
    server: pids.reduce((sum, pid) => sum + cpuMicros(pid), 0),
    load: process.cpuUsage(),
    loadChildren: loadPids.reduce((sum, pid) => sum + cpuMicros(pid), 0),
    cores: coreBusyMicros(),
  };
}

/**
 * @typedef {ReturnType<typeof mark>} Mark
 * @typedef {{ seconds: number, serverCpuUs: number, loadCpu: number, foreignServerCore: number, foreignLoadCore: number, window: [number, number] }} PhaseCost
 */

/**
 * @param {Mark} a
 * @param {Mark} b
 * @returns {PhaseCost}
 */
export function between(a, b) {
  const wallUs = (b.t - a.t) * 1000;
  const loadUs =
    b.load.user - a.load.user + (b.load.system - a.load.system) + (b.loadChildren - a.loadChildren);
  const serverCpuUs = b.server - a.server;
  const busy = (/** @type {number} */ core) => (b.cores[core] ?? 0) - (a.cores[core] ?? 0);
  return {
    seconds: wallUs / 1e6,
    serverCpuUs,
    loadCpu: loadUs / wallUs,
    // /proc/stat ticks are 10 ms: small negative values are rounding, not negative load.
    foreignServerCore: Math.max(0, (busy(SERVER_CORE) - serverCpuUs) / wallUs),
    foreignLoadCore: Math.max(0, (busy(LOAD_CORE) - loadUs) / wallUs),
    window: [Number(a.hr / 1000n), Number(b.hr / 1000n)],
  };
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Settle `promise` within `ms` or reject with `what`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export function within(promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout]).finally(() => clearTimeout(timer)));
}

/**
 * Run `task(i)` for i in [0, count) with at most `concurrency` at once (connect bursts beyond that only
 * measure the kernel's SYN handling).
 * @param {number} count
 * @param {number} concurrency
 * @param {(i: number) => Promise<void>} task
 */
export async function pool(count, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
