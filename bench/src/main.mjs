#!/usr/bin/env node
/*
 * The benchmark harness (issue 6): every workload against every target, targets interleaved within each
 * repetition (A B C, A B C, ...), servers in their own processes on core 1, this process (the load
 * generator) on core 0, loopback only. Bounded: every phase has a fixed length, the whole run a deadline,
 * and every child is killed when this process exits. Prints a markdown report; --write also puts it into
 * BENCHMARKS.md between its markers.
 *
 *   node src/main.mjs [--quick] [--reps N] [--only W1,W3] [--targets sockwire-ws,raw-ws] [--write]
 *                     [--load native|js] [--sockwire-dist <checkout or dist dir>]
 *
 * W1's WebSocket targets are driven by the native load generator (bench/native/echo-load.c, built with gcc at
 * start) unless `--load js`. `--sockwire-dist` adds `sockwire-{ws,xhr-streaming,xhr-polling}-before`: ours on another build of
 * @sockwire/server (a checkout with packages/server/dist built, or a dist directory).
 *
 * W7 and W8 (stream history) are reported after the goals of issue 6; with --write their sections go
 * into BENCHMARKS.md's generated block too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FULL, QUICK, WORKLOADS } from './config.mjs';
import { writeBenchmarks } from './lib/benchmarks-file.mjs';
import { renderReport } from './lib/report.mjs';
import { pairOrder, renderHistoryReport } from './lib/report-history.mjs';
import { median, minMax } from './lib/stats.mjs';
import { stompModule } from './lib/stomp-module.mjs';
import { buildNativeEcho } from './load/native-echo.mjs';
import { historyTargets, resumeTargets, sockwireBuildTargets, stompTargets, TARGETS } from './targets.mjs';
import { bundleDefs, bundles } from './workloads/bundles.mjs';
import { connect } from './workloads/connect.mjs';
import { echo } from './workloads/echo.mjs';
import { echoNative } from './workloads/echo-native.mjs';
import { fanout } from './workloads/fanout.mjs';
import { idle } from './workloads/idle.mjs';
import { resume } from './workloads/resume.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = join(benchDir, '..');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    only: { type: 'string' },
    targets: { type: 'string' },
    write: { type: 'boolean', default: false },
    load: { type: 'string', default: 'native' },
    'sockwire-dist': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}

const config = structuredClone(args.quick ? QUICK : FULL);
if (args.reps) config.reps = Math.max(1, Number(args.reps));
const selected = args.only ? args.only.split(',') : WORKLOADS;
const wanted = args.targets ? new Set(args.targets.split(',')) : null;
if (args.load !== 'native' && args.load !== 'js') {
  console.error(`bench: --load is native or js, not ${args.load}`);
  process.exit(2);
}

if (cpus().length < 2) {
  console.error('bench: needs at least 2 cores (server and load generator each get one)');
  process.exit(2);
}
// Pin every thread of this process (the load generator) to core 0; servers go to core 1.
execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });

const deadline = setTimeout(() => {
  console.error(
    `bench: deadline of ${config.deadlineMs / 60_000} min passed, stopping (children are killed)`,
  );
  process.exit(3);
}, config.deadlineMs);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.on(signal, () => process.exit(130));

const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Newest modification time under a directory (the server's sources), to tell a stale dist. */
function newest(/** @type {string} */ dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}
const serverDir = join(rootDir, 'packages', 'server');
const staleDist = newest(join(serverDir, 'src')) > statSync(join(serverDir, 'dist', 'index.js')).mtimeMs;
if (staleDist)
  log('bench: packages/server/src is newer than its dist: run `node scripts/build.mjs` to measure it');

/** The other build of --sockwire-dist: a checkout's packages/server/dist, or a dist directory itself. */
function otherBuild(/** @type {string} */ dir) {
  const inCheckout = join(dir, 'packages', 'server', 'dist', 'index.js');
  const file = existsSync(inCheckout) ? inCheckout : join(dir, 'index.js');
  if (!existsSync(file)) {
    console.error(
      `bench: --sockwire-dist ${dir}: no packages/server/dist/index.js or index.js there (build it first)`,
    );
    process.exit(2);
  }
  const commit = sh('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']);
  return { serverModule: pathToFileURL(file).href, name: commit === '?' ? dir : commit };
}
const sockwireBefore = args['sockwire-dist'] ? otherBuild(resolve(args['sockwire-dist'])) : null;
const targets = [
  ...TARGETS,
  ...(sockwireBefore ? sockwireBuildTargets(sockwireBefore.serverModule, sockwireBefore.name) : []),
].filter((t) => wanted === null || wanted.has(t.id));

/** @type {string | null} the native W1 load generator, when W1 drives a WebSocket target with it */
let nativeEcho = null;
if (args.load === 'native' && selected.includes('W1') && targets.some((t) => t.native !== undefined)) {
  try {
    nativeEcho = buildNativeEcho();
  } catch (error) {
    console.error(`bench: ${/** @type {Error} */ (error).message}`);
    process.exit(2);
  }
}
const stomp = ['W6', 'W7', 'W8'].some((w) => selected.includes(w)) ? await stompModule() : null;
const want = (/** @type {{ id: string }} */ t) => wanted === null || wanted.has(t.id);
const brokers = stomp && selected.includes('W6') ? stompTargets(stomp.url).filter(want) : [];
const histories = stomp && selected.includes('W7') ? historyTargets(stomp.url).filter(want) : [];
const resumers = stomp && selected.includes('W8') ? resumeTargets(stomp.url).filter(want) : [];

/** @type {Record<string, Record<string, any[]>>} */
const results = {};
/** @type {number[]} */
const serverNoise = [];
/** @type {number[]} */
const loadNoise = [];

/**
 * @param {string} key
 * @param {string} id
 * @param {number} rep
 * @param {any} result
 */
function record(key, id, rep, result) {
  const byTarget = results[key] ?? {};
  results[key] = byTarget;
  const byRep = byTarget[id] ?? [];
  byTarget[id] = byRep;
  byRep[rep] = result;
  if (result && typeof result.foreignServerCore === 'number') {
    serverNoise.push(result.foreignServerCore);
    loadNoise.push(result.foreignLoadCore);
  }
}

/** Run one measurement; a failure is recorded for that target and repetition, and the run goes on. */
async function attempt(/** @type {string} */ what, /** @type {() => Promise<void>} */ fn) {
  try {
    await fn();
  } catch (error) {
    log(`  ${what}: ERROR ${/** @type {Error} */ (error).message}`);
    return /** @type {Error} */ (error);
  }
  return null;
}

const summary = (/** @type {any} */ r) =>
  `${Math.round(r.rate)}/s, server ${r.serverUsPerOp.toFixed(1)} µs/op, load ${(r.loadCpu * 100).toFixed(0)} %, ` +
  `other work ${(r.foreignServerCore * 100).toFixed(0)} % / ${(r.foreignLoadCore * 100).toFixed(0)} %`;

const loadBefore = loadavg();
const started = Date.now();
for (let rep = 0; rep < config.reps; rep++) {
  const tag = `[${rep + 1}/${config.reps}]`;
  if (selected.includes('W1')) {
    for (const def of targets) {
      const error = await attempt(`${tag} W1 ${def.id}`, async () => {
        const r =
          nativeEcho !== null && def.native !== undefined
            ? await echoNative(def, config.echo, nativeEcho)
            : await echo(def, config.echo);
        record('W1', def.id, rep, r);
        log(`${tag} W1 ${def.id}: ${summary(r)}`);
      });
      if (error) record('W1', def.id, rep, { error: error.message });
    }
  }
  if (selected.includes('W2')) {
    for (const def of targets) {
      const subscribers =
        def.family === 'websocket' ? config.fanout.wsSubscribers : config.fanout.httpSubscribers;
      const error = await attempt(`${tag} W2 ${def.id}`, async () => {
        const byWindow = await fanout(def, { ...config.fanout, subscribers });
        for (const [w, r] of Object.entries(byWindow)) {
          record(`W2-${w}`, def.id, rep, r);
          log(`${tag} W2 ${w} ${def.id}: ${summary(r)}`);
        }
      });
      if (error)
        for (const w of config.fanout.windows) record(`W2-w${w}`, def.id, rep, { error: error.message });
    }
  }
  if (selected.includes('W3')) {
    for (const def of targets) {
      const [n1, n2] = def.family === 'websocket' ? config.idle.ws : config.idle.http;
      const error = await attempt(`${tag} W3 ${def.id}`, async () => {
        const r = await idle(def, {
          n1: /** @type {number} */ (n1),
          n2: /** @type {number} */ (n2),
          settleMs: config.idle.settleMs,
        });
        record('W3', def.id, rep, r);
        log(
          `${tag} W3 ${def.id}: heap ${(r.heapPerSession / 1024).toFixed(2)} KiB, RSS ${(r.rssPerSession / 1024).toFixed(2)} KiB per session`,
        );
      });
      if (error) record('W3', def.id, rep, { error: error.message });
    }
  }
  if (selected.includes('W4')) {
    for (const def of targets) {
      const error = await attempt(`${tag} W4 ${def.id}`, async () => {
        const r = await connect(def, config.connect);
        record('W4', def.id, rep, r);
        log(`${tag} W4 ${def.id}: ${summary(r)}${r.failed ? `, ${r.failed} failed` : ''}`);
      });
      if (error) record('W4', def.id, rep, { error: error.message });
    }
  }
  if (selected.includes('W6')) {
    for (const def of brokers) {
      const error = await attempt(`${tag} W6 ${def.id}`, async () => {
        const byWindow = await fanout(def, { ...config.stomp });
        for (const [w, r] of Object.entries(byWindow)) {
          record(`W6-${w}`, def.id, rep, r);
          log(`${tag} W6 ${w} ${def.id}: ${summary(r)}`);
        }
      });
      if (error)
        for (const w of config.stomp.windows) record(`W6-w${w}`, def.id, rep, { error: error.message });
    }
  }
  if (selected.includes('W7')) {
    for (const def of pairOrder(histories, rep)) {
      const error = await attempt(`${tag} W7 ${def.id}`, async () => {
        const byWindow = await fanout(def, { ...config.history });
        for (const [w, r] of Object.entries(byWindow)) {
          record(`W7-${w}`, def.id, rep, r);
          log(`${tag} W7 ${w} ${def.id}: ${summary(r)}`);
        }
      });
      if (error)
        for (const w of config.history.windows) record(`W7-w${w}`, def.id, rep, { error: error.message });
    }
  }
  if (selected.includes('W8')) {
    for (const def of resumers) {
      const error = await attempt(`${tag} W8 ${def.id}`, async () => {
        const r = await resume(def, config.resume);
        record('W8', def.id, rep, r);
        log(
          `${tag} W8 ${def.id}: all caught up in ${r.catchUpMs.toFixed(0)} ms, server ${r.serverCpuMs.toFixed(0)} ms CPU` +
            `${Number.isFinite(r.brokerCpuMs) ? `, Redis ${r.brokerCpuMs.toFixed(0)} ms` : ''}, load ${(r.loadCpu * 100).toFixed(0)} %`,
        );
      });
      if (error) record('W8', def.id, rep, { error: error.message });
    }
  }
}
const sizes = selected.includes('W5') ? await bundles() : undefined;
clearTimeout(deadline);

/** @param {string} name */
function version(name) {
  try {
    const require = (/** @type {string} */ p) => JSON.parse(readFileSync(p, 'utf8'));
    return require(join(benchDir, 'node_modules', name, 'package.json')).version;
  } catch {
    return '?';
  }
}
function sh(/** @type {string} */ cmd, /** @type {string[]} */ argv) {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
const meta = {
  date: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
  minutes: ((Date.now() - started) / 60_000).toFixed(1),
  mode: args.quick ? 'quick' : 'full',
  command: `pnpm --filter @sockwire/bench ${args.quick ? 'bench:quick' : 'bench'}${process.argv
    .slice(2)
    .filter((a) => a !== '--quick')
    .map((a) => ` ${a}`)
    .join('')}`,
  machine: `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${sh('uname', ['-r'])}`,
  node: process.version,
  commit: sh('git', ['-C', rootDir, 'rev-parse', '--short', 'HEAD']),
  loadBefore,
  loadAfter: loadavg(),
  stompFromSource: stomp?.fromSource ?? false,
  // W1's WebSocket load: bench/native/echo-load.c, or the harness's own JS clients (HTTP is always JS).
  echoLoad: nativeEcho === null ? 'js' : 'native',
  sockwireBefore,
  staleDist,
  versions: {
    '@sockwire/server': `${version('@sockwire/server')} (${sh('git', ['-C', rootDir, 'rev-parse', '--short', 'HEAD'])})`,
    ...(sockwireBefore ? { '@sockwire/server before': sockwireBefore.name } : {}),
    '@sockwire/client': version('@sockwire/client'),
    ws: version('ws'),
    sockjs: version('sockjs'),
    'socket.io': version('socket.io'),
    'sockjs-client': version('sockjs-client'),
    'socket.io-client': version('socket.io-client'),
    '@stomp/stompjs': version('@stomp/stompjs'),
    esbuild: version('esbuild'),
    ...(selected.includes('W6')
      ? { RabbitMQ: sh('dpkg-query', ['-W', '-f', '$' + '{Version}', 'rabbitmq-server']) }
      : {}),
    ...(histories.length + resumers.length > 0
      ? { Redis: /v=(\S+)/.exec(sh('redis-server', ['--version']))?.[1] ?? '?' }
      : {}),
  },
};
const noise = {
  serverCore: [median(serverNoise), minMax(serverNoise)[1]],
  loadCore: [median(loadNoise), minMax(loadNoise)[1]],
};
const run = { meta, config, results, bundles: sizes, noise };
const report = [
  renderReport(run, { targets, stompTargets: brokers, bundleDefs: bundleDefs() }),
  renderHistoryReport(run, { historyTargets: histories, resumeTargets: resumers }),
].join('\n');
console.log(report);

mkdirSync(join(benchDir, 'results'), { recursive: true });
const json = JSON.stringify(run, null, 1);
writeFileSync(join(benchDir, 'results', `${meta.date.replaceAll(':', '')}-${meta.mode}.json`), json);
writeFileSync(join(benchDir, 'results', 'latest.json'), json);
log(`bench: ${meta.minutes} min; results in bench/results/latest.json`);

if (args.write) {
  if (writeBenchmarks(rootDir, report)) log('bench: BENCHMARKS.md updated');
  else {
    console.error('bench: BENCHMARKS.md has no bench:begin / bench:end markers: not written');
    process.exitCode = 1;
  }
}
process.exit(process.exitCode ?? 0);
