// `pnpm --filter @sockwire/e2e test` (or `node e2e/scripts/run.mjs`): the whole browser suite, needing nothing
// from the caller. Installs missing browsers (Debian packages), builds the packages if never built, runs
// Playwright under xvfb-run when there is no X display (WebKitGTK's MiniBrowser needs one), and ends with the
// totals line `N passed, N failed`. All three engines are required: `--engines=chromium,firefox` leaves the others
// out, and says so. Other arguments are passed on to `playwright test` (e.g. a file filter).
// The counts are also in e2e/artifacts/results.json (written by src/reporter.ts, then completed here with the
// required `engines`, the final `passed`/`failed` and `exitCode`), for the root test command; it is rewritten on
// every run. The counting rule (a required engine that did not run, a skipped or interrupted test, an error outside
// the tests: each a failure) is the root command's, scripts/lib/totals.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserRows, ENGINES, sumRows } from '../../scripts/lib/totals.mjs';

const e2e = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(e2e, '..');
const resultsFile = join(e2e, 'artifacts', 'results.json');

/** Runs a command with inherited output; returns its exit status (1 when it could not start). */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) console.error(`[e2e] ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

/** `--engines=a,b` (or `--engines a,b`) from the arguments; the rest is for Playwright. */
function splitArguments(args) {
  const rest = [];
  let engines = ENGINES;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') continue; // `pnpm test -- x` hands the `--` on; Playwright would read x as a file filter
    if (arg === '--engines' || arg.startsWith('--engines=')) {
      const value = arg === '--engines' ? (args[++i] ?? '') : arg.slice('--engines='.length);
      engines = value.split(',').filter(Boolean);
      const unknown = engines.filter((engine) => !ENGINES.includes(engine));
      if (engines.length === 0 || unknown.length > 0) {
        console.error(`[e2e] --engines takes a list of ${ENGINES.join(', ')}; got '${value}'`);
        process.exit(2);
      }
      continue;
    }
    if (arg === '--project' || arg.startsWith('--project=')) {
      console.error(
        '[e2e] choose engines with --engines=firefox (the totals then require only those), not --project',
      );
      process.exit(2);
    }
    rest.push(arg);
  }
  return { engines, rest };
}

const { engines, rest } = splitArguments(process.argv.slice(2));
const leftOut = ENGINES.filter((engine) => !engines.includes(engine));
if (leftOut.length > 0) console.log(`[e2e] engines left out on request (--engines): ${leftOut.join(', ')}`);

/** Counts the results with the root command's rule, leaves them in the results file, prints the totals, exits. */
function finish(status, results) {
  const rows = browserRows({ results, exitStatus: status, engines });
  const { passed, failed } = sumRows(rows);
  mkdirSync(dirname(resultsFile), { recursive: true });
  const written = results ?? { engines: {}, skipped: 0, errors: [], timings: [] };
  writeFileSync(
    resultsFile,
    `${JSON.stringify({ ...written, requiredEngines: engines, leftOut, passed, failed, exitCode: status }, null, 2)}\n`,
  );
  for (const row of rows) for (const problem of row.problems) console.log(`[e2e] ${row.label}: ${problem}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? status : status || 1);
}

if (run('bash', [join(e2e, 'scripts', 'install-browsers.sh')]) !== 0) {
  console.error('[e2e] the browsers could not be installed; not running the suite');
  finish(1, undefined);
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
const playwright = [cli, 'test', ...engines.map((engine) => `--project=${engine}`), ...rest];
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

if (!existsSync(resultsFile)) console.error(`[e2e] Playwright wrote no results (exit ${status})`);
finish(status, existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined);
