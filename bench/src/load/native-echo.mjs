/*
 * The native echo load generator (bench/native/echo-load.c): built with gcc into bench/native/build, fed a
 * protocol from ws-sessions.mjs as text lines on stdin, and read back as JSON lines on stdout. A Node load
 * process tops out near raw `ws`'s rate on one core; this one leaves the ceiling to the server.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLIENT_ID } from './ws-sessions.mjs';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native');
/** The generator's sources: echo-load.c (the event loop), echo-spec.c (its input) and their shared header. */
export const NATIVE_SOURCES = ['echo-load.c', 'echo-spec.c', 'echo-spec.h'].map((f) => join(nativeDir, f));
export const NATIVE_BINARY = join(nativeDir, 'build', 'echo-load');

/** @param {string} path */
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

/**
 * Compile the generator unless the binary is newer than its source. Throws, saying so, when gcc is missing.
 * @returns {string} the binary's path
 */
export function buildNativeEcho() {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'the native W1 load generator needs gcc (`apt-get install gcc`); without it run W1 with `--load js`',
    );
  }
  if (mtime(NATIVE_BINARY) > Math.max(...NATIVE_SOURCES.map(mtime))) return NATIVE_BINARY;
  mkdirSync(dirname(NATIVE_BINARY), { recursive: true });
  // Built under a name of our own, then renamed: a harness and a test building at once never run half a file.
  const partial = `${NATIVE_BINARY}.${process.pid}`;
  const units = NATIVE_SOURCES.filter((f) => f.endsWith('.c'));
  execFileSync('gcc', ['-O2', '-Wall', '-o', partial, ...units], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  renameSync(partial, NATIVE_BINARY);
  return NATIVE_BINARY;
}

/**
 * @typedef {object} NativeRun
 * @property {number} clients
 * @property {number} warmupMs
 * @property {number} measureMs
 * @property {import('./ws-sessions.mjs').NativeProtocol} protocol
 */

/**
 * The generator's stdin: one `key value` line per field, hex for bytes, `run` last.
 * @param {number} port
 * @param {NativeRun} run
 */
export function formatSpec(port, run) {
  const { protocol } = run;
  const hex = (/** @type {string | Buffer} */ b) => Buffer.from(b).toString('hex');
  const marker = protocol.frame.indexOf(0x23 /* # */);
  if (marker < 0) throw new Error('native echo: the message frame has no `#` marker');
  const lines = [
    `port ${port}`,
    `clients ${run.clients}`,
    `warmup-ms ${run.warmupMs}`,
    `measure-ms ${run.measureMs}`,
    `upgrade ${hex(protocol.upgrade)}`,
    `frame ${hex(protocol.frame)}`,
    `marker ${marker}`,
    `ready ${protocol.ready === '' ? '-' : hex(protocol.ready)}`,
    ...protocol.replies.map(([prefix, frame]) => `reply ${hex(prefix)} ${hex(frame)}`),
  ];
  const clientId = Buffer.from(protocol.upgrade).indexOf(CLIENT_ID);
  if (clientId >= 0) lines.push(`client-id ${clientId}`);
  return `${lines.join('\n')}\nrun\n`;
}

/**
 * @typedef {{ event: 'open' } | { event: 'measure' } | { event: 'error', message: string } | ({ event: 'done' } & NativeResult)} NativeEvent
 * @typedef {object} NativeResult the measured phase as the generator saw it
 * @property {number} roundTrips
 * @property {number} seconds its own clock, from the `measure` line to the `done` line
 * @property {number} p50Ms RTT, 1 µs buckets
 * @property {number} p99Ms
 * @property {number} over100Ms round trips beyond the histogram (counted in the percentiles as 100 ms)
 * @property {number} mismatched echoes whose sequence number was not the one in flight
 * @property {number} replies protocol pings answered
 * @property {number} wakeups returns of epoll_wait with something to do in the measured phase (round trips
 *   per wakeup: how many echoes arrive together)
 * @property {number} clients
 */

/**
 * One stdout line of the generator, checked.
 * @param {string} line
 * @returns {NativeEvent}
 */
export function parseEvent(line) {
  /** @type {unknown} */
  let value;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`native echo: not a JSON line: ${line.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null || !('event' in value))
    throw new Error(`native echo: no event in ${line.slice(0, 200)}`);
  const record = /** @type {Record<string, unknown>} */ (value);
  const { event } = record;
  if (event === 'open' || event === 'measure') return { event };
  if (event === 'error') return { event, message: String(record.message) };
  if (event !== 'done') throw new Error(`native echo: unknown event ${String(event)}`);
  const count = (/** @type {keyof NativeResult} */ field) => {
    const v = record[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`native echo: done without a count for ${field}: ${line.slice(0, 200)}`);
    return v;
  };
  return {
    event,
    roundTrips: count('roundTrips'),
    seconds: count('seconds'),
    p50Ms: count('p50Ms'),
    p99Ms: count('p99Ms'),
    over100Ms: count('over100Ms'),
    mismatched: count('mismatched'),
    replies: count('replies'),
    wakeups: count('wakeups'),
    clients: count('clients'),
  };
}

/**
 * Run the generator against a port. `onMeasure` and `onDone` run as their lines arrive, before the
 * connections are reset, so CPU marks taken there bracket the measured phase.
 * @param {number} port
 * @param {NativeRun & { binary: string, core?: string, onMeasure?: (pid: number) => void, onDone?: (pid: number) => void }} run
 * @returns {Promise<NativeResult>}
 */
export function runNativeEcho(port, run) {
  const argv = run.core === undefined ? [run.binary] : ['taskset', '-c', run.core, run.binary];
  // taskset execs the generator in place: the pid is the generator's own (for /proc/<pid>/stat).
  const child = spawn(/** @type {string} */ (argv[0]), argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const pid = /** @type {number} */ (child.pid);
  // A generator that failed early closes its stdin: its exit status and error line say why, not EPIPE.
  child.stdin.on('error', () => {});
  child.stdin.write(formatSpec(port, run));
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    /** @type {NativeResult | null} */
    let result = null;
    /** @type {Error | null} */
    let failure = null;
    child.once('error', (error) => reject(new Error(`native echo: ${error.message}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const e = parseEvent(line);
        if (e.event === 'measure') run.onMeasure?.(pid);
        else if (e.event === 'error') failure = new Error(`native echo: ${e.message}`);
        else if (e.event === 'done') {
          run.onDone?.(pid);
          const { event: _, ...counts } = e;
          result = counts;
          child.stdin.end();
        }
      } catch (error) {
        failure = /** @type {Error} */ (error);
        child.kill('SIGKILL');
      }
    });
    exited.then((status) => {
      if (failure !== null) reject(failure);
      else if (result === null || status !== 0)
        reject(new Error(`native echo: exited (${status}) without a result`));
      else resolve(result);
    });
  });
}
