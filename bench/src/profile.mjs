#!/usr/bin/env node
/*
 * Where our server's time goes: runs W1 (echo) and W2 (fan-out, 1 and 32 in flight) against Sockwire on
 * websocket, xhr-streaming and xhr-polling with `--cpu-prof`, one server process per case, and prints the top
 * self-time functions of each profile (idle excluded). Profiles stay in bench/results/profiles/ for DevTools.
 *
 *   node src/profile.mjs [--top 15] [--cases websocket:W1,xhr-polling:W2]
 *   node src/profile.mjs --cases sockwire-stomp-sockjs:W7-w32,sockwire-stomp-sockjs-nohistory:W7-w32
 *
 * A case names a transport (above) or any target id of TARGETS or of W7 (our broker, history on and off).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stompModule } from './lib/stomp-module.mjs';
import { historyTargets, targetById } from './targets.mjs';
import { echo } from './workloads/echo.mjs';
import { fanout } from './workloads/fanout.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { top: { type: 'string', default: '15' }, cases: { type: 'string' } },
});
execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
const deadline = setTimeout(() => process.exit(3), 10 * 60_000);

const TRANSPORTS = {
  websocket: 'sockwire-ws',
  'xhr-streaming': 'sockwire-xhr-streaming',
  'xhr-polling': 'sockwire-xhr-polling',
};
const all = Object.keys(TRANSPORTS).flatMap((t) => [`${t}:W1`, `${t}:W2-w1`, `${t}:W2-w32`]);
const cases = args.cases ? args.cases.split(',') : all;
const brokerDefs = cases.some((c) => c.startsWith('sockwire-stomp'))
  ? historyTargets((await stompModule()).url)
  : [];
const find = (/** @type {string} */ id) => brokerDefs.find((d) => d.id === id) ?? targetById(id);

/**
 * Self time per function, from a .cpuprofile: each sample's time delta goes to the node it hit. Only samples
 * inside the measured phase count (start-up, connection set-up and warm-up are left out).
 * @param {string} file
 * @param {[number, number]} window monotonic µs
 */
function selfTimes(file, window) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {Map<number, any>} */
  const nodes = new Map(profile.nodes.map((/** @type {any} */ n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  let busy = 0;
  let t = profile.startTime;
  profile.samples.forEach((/** @type {number} */ id, /** @type {number} */ i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < window[0] || t > window[1]) return;
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') return;
    busy += dt;
    const where = frame.url
      ? ` ${frame.url.replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^file:\/\/.*\/packages\//, '')}:${frame.lineNumber + 1}`
      : '';
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
  });
  return { busy, top: [...byFunction.entries()].sort((a, b) => b[1] - a[1]) };
}

for (const c of cases) {
  const [transport = '', workload = ''] = c.split(':');
  const def = find(/** @type {Record<string, string>} */ (TRANSPORTS)[transport] ?? transport);
  const dir = join(benchDir, 'results', 'profiles', `${transport}-${workload}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  let summary = '';
  /** @type {[number, number]} */
  let window = [0, 0];
  if (workload === 'W1') {
    const r = await echo(def, { clients: 50, warmupMs: 1000, measureMs: 4000, nodeFlags });
    summary = `${Math.round(r.rate)} round trips/s, ${r.serverUsPerOp.toFixed(1)} µs/round trip`;
    window = r.window;
  } else {
    const w = Number(workload.split('-w')[1] ?? 1);
    const subscribers = def.family === 'websocket' ? 1000 : 200;
    const r = /** @type {any} */ (
      await fanout(def, { subscribers, windows: [w], warmupMs: 1000, measureMs: 4000, nodeFlags })
    )[`w${w}`];
    summary = `${Math.round(r.rate)} deliveries/s, ${r.serverUsPerOp.toFixed(2)} µs/delivery`;
    window = r.window;
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  const { busy, top } = selfTimes(join(dir, file), window);
  console.log(
    `\n#### ${transport} ${workload}: ${summary}; ${(busy / 1000).toFixed(0)} ms of samples in the measured phase\n`,
  );
  console.log('| self % | self ms | function |\n| --- | --- | --- |');
  for (const [name, us] of top.slice(0, Number(args.top))) {
    console.log(`| ${((us / busy) * 100).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${name}\` |`);
  }
}
clearTimeout(deadline);
process.exit(0);
