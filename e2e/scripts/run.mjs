// `pnpm --filter @sockwire/e2e test` (or `node e2e/scripts/run.mjs`): the whole browser suite, needing nothing
// from the caller. Installs missing browsers (Debian packages), builds the packages if never built, runs
// Playwright under xvfb-run when there is no X display (WebKitGTK's MiniBrowser needs one), and ends with the
// totals line `N passed, N failed`. Arguments are passed on to `playwright test` (e.g. `--project=firefox`).
// The counts are also in e2e/artifacts/results.json (written by src/reporter.ts, then completed here with the
// final `passed`/`failed` and `exitCode`), for the root test command; it is rewritten on every run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const e2e = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(e2e, '..');
const resultsFile = join(e2e, 'artifacts', 'results.json');

/** Runs a command with inherited output; returns its exit status (1 when it could not start). */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) console.error(`[e2e] ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

/** Prints the totals line, leaves the final counts in the results file, and exits. */
function finish(passed, failed, status, results = { engines: {}, skipped: 0, errors: [], timings: [] }) {
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(
    resultsFile,
    `${JSON.stringify({ ...results, passed, failed, exitCode: status }, null, 2)}\n`,
  );
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(status);
}

if (run('bash', [join(e2e, 'scripts', 'install-browsers.sh')]) !== 0) {
  console.error('[e2e] the browsers could not be installed; not running the suite');
  finish(0, 1, 1);
}

// The pages load the client's IIFE build: build once if missing. (The root test command builds before it runs
// this, so a stale build is never used there.) The server is imported from its sources: see the config.
if (!existsSync(join(root, 'packages', 'client', 'dist', 'sockwire.min.js'))) {
  console.log('[e2e] building the packages (node scripts/build.mjs)');
  if (run(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root }) !== 0) {
    console.error('[e2e] the build failed: the tests that need the missing files will say which');
  }
}

rmSync(resultsFile, { force: true });
const cli = join(dirname(createRequire(import.meta.url).resolve('@playwright/test/package.json')), 'cli.js');
// `pnpm test -- --project=x` hands the `--` on too; Playwright would then read the options as file filters.
const passed = process.argv.slice(2);
const playwright = [cli, 'test', ...(passed[0] === '--' ? passed.slice(1) : passed)];
let status;
if (process.env.DISPLAY) {
  status = run(process.execPath, playwright, { cwd: e2e });
} else if (spawnSync('xvfb-run', ['--help'], { stdio: 'ignore' }).error === undefined) {
  // -a: the first free display, so that concurrent runs do not collide. 24-bit: an 8-bit screen makes WebKit's
  // screenshots all white.
  status = run('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', process.execPath, ...playwright], {
    cwd: e2e,
  });
} else {
  console.error('[e2e] no DISPLAY and no xvfb-run: WebKitGTK will not run');
  status = run(process.execPath, playwright, { cwd: e2e });
}

if (!existsSync(resultsFile)) {
  console.error(`[e2e] Playwright wrote no results (exit ${status})`);
  finish(0, 1, status || 1);
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
// A failure outside any test (a config error, a crashed worker teardown) still fails the run.
const failed = results.failed + (status !== 0 && results.failed === 0 ? 1 : 0);
finish(results.passed, failed, status, results);
