/*
 * CPU and memory of processes, read from /proc so that the figures include every thread (GC, libuv pool)
 * and cost nothing inside the measured process.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * User + system CPU time of a process in microseconds (10 ms resolution at CLK_TCK 100: phases are seconds long).
 * @param {number} pid
 */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/**
 * Busy time per core in microseconds, from /proc/stat: with our own processes' time subtracted it shows how
 * much of a core other work took during a phase (the noise of a shared machine).
 * @returns {number[]}
 */
export function coreBusyMicros() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  /** @type {number[]} */
  const busy = [];
  for (const line of lines) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (m === null) continue;
    const v = /** @type {string} */ (m[2]).trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    busy[Number(m[1])] = (total - (v[3] ?? 0) - (v[4] ?? 0)) * TICK_US;
  }
  return busy;
}

/** @param {number} pid */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}
