// The one test command: lint and format, type-check, build, unit and integration tests (vitest), the client
// bundle-size budget, and the browser suite. Ends with one line of totals: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDeps, root } from './ensure-deps.mjs';

ensureDeps();

const results = [];
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(label, command, args, options = {}) {
  const started = Date.now();
  console.log(`\n=== ${label}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env, ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  console.log(
    `=== ${label}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds}s`,
  );
  return ok;
}

/** A check that counts as one test. */
function check(label, command, args) {
  const ok = run(label, command, args);
  results.push({ label, passed: ok ? 1 : 0, failed: ok ? 0 : 1 });
}

/** A vitest run whose tests are counted one by one from its JSON report. */
function vitest(label, nodeCommand, extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'sockwire-vitest-'));
  const report = join(dir, 'report.json');
  const ok = run(label, nodeCommand[0], [
    ...nodeCommand.slice(1),
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...extraArgs,
  ]);
  if (existsSync(report)) {
    const data = JSON.parse(readFileSync(report, 'utf8'));
    const failed = data.numFailedTests + (ok || data.numFailedTests > 0 ? 0 : 1);
    results.push({ label, passed: data.numPassedTests, failed });
  } else {
    results.push({ label, passed: 0, failed: 1 });
  }
  rmSync(dir, { recursive: true, force: true });
}

check('lint and format (biome)', bin('biome'), ['check', '.']);
check('type-check (tsc)', bin('tsc'), ['-p', 'tsconfig.json']);
check('type-check e2e (tsc)', bin('tsc'), ['-p', join('e2e', 'tsconfig.json')]);
check('type-check demo (tsc)', bin('tsc'), ['-p', join('demo', 'tsconfig.json')]);
check('build (tsup)', process.execPath, [join(root, 'scripts', 'build.mjs')]);
vitest('unit and integration (vitest, Node ' + process.versions.node + ')', [process.execPath]);
// We also claim Node 22 and 24: run the server and protocol suites on Node 24 (from the npm registry) too.
vitest(
  'server and protocol (vitest, Node 24)',
  ['npx', '-y', 'node@24'],
  ['packages/protocol', 'packages/server'],
);

check('benchmark harness self-tests (node --test)', process.execPath, ['--test', join('bench', 'test')]);

const sizeScript = join(root, 'packages', 'client', 'scripts', 'size.mjs');
if (existsSync(sizeScript)) check('client bundle-size budget', process.execPath, [sizeScript]);

// The browser suite (Chromium, Firefox ESR, WebKitGTK); it installs missing browsers and runs under xvfb-run.
{
  const resultsFile = join(root, 'e2e', 'artifacts', 'results.json');
  rmSync(resultsFile, { force: true });
  const ok = run('browsers (Playwright: Chromium, Firefox ESR, WebKitGTK)', process.execPath, [
    join(root, 'e2e', 'scripts', 'run.mjs'),
  ]);
  if (existsSync(resultsFile)) {
    const data = JSON.parse(readFileSync(resultsFile, 'utf8'));
    for (const [engine, counts] of Object.entries(data.engines ?? {})) {
      results.push({ label: `browsers: ${engine}`, passed: counts.passed, failed: counts.failed });
    }
    if (!ok && data.failed === 0) results.push({ label: 'browsers: run', passed: 0, failed: 1 });
  } else {
    results.push({ label: 'browsers: no results file', passed: 0, failed: 1 });
  }
}

console.log('\n=== Totals by suite');
for (const { label, passed, failed } of results)
  console.log(`  ${label}: ${passed} passed, ${failed} failed`);
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
