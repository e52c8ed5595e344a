// The one test command: lint and format, type-check, build, unit and integration tests (vitest, on Node 20.19 and,
// for the protocol, server and client, Node 22 and 24 too; the client's STOMP tests on the newest and the oldest
// @stomp/stompjs of its peer range), the client bundle-size budget, and the browser suite in Chromium,
// Firefox ESR and WebKitGTK. Prints what ran per suite and per engine, then one line of totals:
// `N passed, N failed`. Every test that ran counts once; every test expected and not run counts as failed
// (the rule is in scripts/lib/totals.mjs).
//
// Options (after `npm test --`):
//   --engines=chromium,firefox   leave browser engines out (all three are required otherwise); printed in the totals.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDeps, root } from './ensure-deps.mjs';
import {
  browserRows,
  checkRow,
  ENGINES,
  formatTotals,
  mergeRuns,
  rowsBySuite,
  sumRows,
  vitestRun,
} from './lib/totals.mjs';
import { runVitest } from './lib/vitest-run.mjs';

const engineOption = process.argv.slice(2).find((arg) => arg.startsWith('--engines='));
const unknownOptions = process.argv.slice(2).filter((arg) => arg !== '--' && arg !== engineOption);
if (unknownOptions.length > 0) {
  console.error(
    `Unknown option ${unknownOptions.join(' ')}: the only option is --engines=${ENGINES.join(',')}`,
  );
  process.exit(2);
}

ensureDeps();

const rows = [];
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(label, command, args, options = {}) {
  const started = Date.now();
  console.log(`\n=== ${label}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env, ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const status = result.status ?? 1;
  console.log(
    `=== ${label}: ${status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds}s`,
  );
  return status;
}

/** A check that counts as one test. */
function check(label, command, args) {
  const status = run(label, command, args);
  rows.push(checkRow(label, status === 0, `exit ${status}`));
}

check('lint and format (biome)', bin('biome'), ['check', '.']);
check('type-check (tsc)', bin('tsc'), ['-p', 'tsconfig.json']);
check('type-check e2e (tsc)', bin('tsc'), ['-p', join('e2e', 'tsconfig.json')]);
check('type-check demo (tsc)', bin('tsc'), ['-p', join('demo', 'tsconfig.json')]);
check('type-check bench (tsc)', bin('tsc'), ['-p', join('bench', 'tsconfig.json')]);
// The oldest @stomp/stompjs of the client's peer range has its own types (its IStompSocket must take a SockwireSocket).
check('type-check client STOMP on the oldest stompjs (tsc)', bin('tsc'), [
  '-p',
  join('packages', 'client', 'tsconfig.stompjs-oldest.json'),
]);
check('build (tsup)', process.execPath, [join(root, 'scripts', 'build.mjs')]);

// What a user installs: each public package packed by pnpm, linted by publint (strict) and by
// @arethetypeswrong/cli (types for node16 ESM, node16 CJS and bundlers). scripts/lib/package-lint.mjs says why.
for (const name of ['protocol', 'client', 'server']) {
  const lint = join(root, 'scripts', 'lib', 'package-lint.mjs');
  check(`packed @sockwire/${name}: publint --strict`, process.execPath, [lint, 'publint', name]);
  check(`packed @sockwire/${name}: types (arethetypeswrong)`, process.execPath, [lint, 'attw', name]);
}

// Vitest: everything on the oldest Node the packages claim (engines >=20.19: Node 20.19.0), then the protocol,
// server and client suites again on Node 22 and 24, which we also claim (all three from the npm registry). A test
// counts once: it passes only if it passed on every Node that ran its suite.
{
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  // The oldest Node the packages claim (engines `>=20.19` -> 20.19.0), from the npm registry like 22 and 24:
  // the machine's own Node 20 is a later 20.x, and a claim is only tested on the version it names.
  const claimed = /^>=(\d+)\.(\d+)$/.exec(
    JSON.parse(readFileSync(join(root, 'packages', 'server', 'package.json'), 'utf8')).engines.node,
  );
  if (!claimed) throw new Error('packages/server/package.json engines.node must read ">=MAJOR.MINOR"');
  const oldestNode = ['npx', '-y', `node@${claimed[1]}.${claimed[2]}.0`];
  const here = `Node ${claimed[1]}.${claimed[2]}`;
  const twice = ['packages/protocol', 'packages/server', 'packages/client'];
  // The client's STOMP tests run on the newest and the oldest stompjs of the peer range (this run, then
  // packages/client/vitest.stompjs-oldest.config.ts): a suite per version, so a failure names its version.
  const stompjs = (name) =>
    JSON.parse(readFileSync(join(root, 'packages', 'client', 'node_modules', name, 'package.json'), 'utf8'));
  const isStompTest = (file) => /^packages\/client\/test\/stomp[^/]*\.test\.ts$/.test(file);
  const stompSuite = (name, nodes = here) =>
    `vitest: packages/client STOMP on @stomp/stompjs ${stompjs(name).version} (${nodes})`;
  const suiteOf = (file) => {
    if (isStompTest(file)) return stompSuite('@stomp/stompjs', `${here}, Node 22 and Node 24`);
    const suite = file
      .split('/')
      .slice(0, file.startsWith('packages/') ? 2 : 1)
      .join('/');
    return `vitest: ${suite} (${twice.includes(suite) ? `${here}, Node 22 and Node 24` : here})`;
  };
  const runOn = (label, node, args, covers, suites = suiteOf) => {
    console.log(`\n=== ${label}`);
    const { status, report } = runVitest({ node, vitest, args, cwd: root });
    console.log(`=== ${label}: ${status === 0 ? 'ok' : `FAILED (exit ${status})`}`);
    return {
      label,
      tests: vitestRun({ label: `vitest: ${label}`, report, exitStatus: status, root, suiteOf: suites }),
      covers,
    };
  };
  const all = runOn(`unit and integration (vitest, ${here})`, oldestNode, [], () => true);
  const again = ['22', '24'].map((major) =>
    runOn(
      `protocol, server and client (vitest, Node ${major})`,
      ['npx', '-y', `node@${major}`],
      twice,
      (file) => twice.some((dir) => file.startsWith(`${dir}/`)),
    ),
  );
  rows.push(...rowsBySuite(mergeRuns([all, ...again])));
  const oldest = runOn(
    `client STOMP on the oldest stompjs (vitest, ${here})`,
    oldestNode,
    ['--config', join('packages', 'client', 'vitest.stompjs-oldest.config.ts')],
    isStompTest,
    () => stompSuite('@stomp/stompjs-oldest'),
  );
  rows.push(...rowsBySuite(mergeRuns([oldest])));
}

check('benchmark harness self-tests (node --test)', process.execPath, ['--test', join('bench', 'test')]);

// The budget is part of the suite: a missing script is a failure, not a silent skip.
{
  const sizeScript = join(root, 'packages', 'client', 'scripts', 'size.mjs');
  if (existsSync(sizeScript)) check('client bundle-size budget', process.execPath, [sizeScript]);
  else rows.push(checkRow('client bundle-size budget', false, `${sizeScript} is missing`));
}

// The browser suite; it installs missing browsers and runs under xvfb-run. Each required engine must have run.
{
  const engines = engineOption ? engineOption.slice('--engines='.length).split(',') : ENGINES;
  const resultsFile = join(root, 'e2e', 'artifacts', 'results.json');
  rmSync(resultsFile, { force: true });
  const status = run(`browsers (Playwright: ${engines.join(', ')})`, process.execPath, [
    join(root, 'e2e', 'scripts', 'run.mjs'),
    `--engines=${engines.join(',')}`,
  ]);
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
  rows.push(...browserRows({ results, exitStatus: status, engines }));
  const leftOut = ENGINES.filter((engine) => !engines.includes(engine));
  if (leftOut.length > 0) {
    rows.push({
      label: `browsers: ${leftOut.join(', ')} LEFT OUT on request (${engineOption})`,
      passed: 0,
      failed: 0,
      notRun: 0,
      problems: [],
    });
  }
}

console.log('');
for (const line of formatTotals(rows)) console.log(line);
process.exit(sumRows(rows).failed === 0 ? 0 : 1);
