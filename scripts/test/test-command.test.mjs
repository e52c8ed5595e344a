// The test command's own tests: broken results (no browser results, a missing engine, a hook that failed, a stray
// `.only`, a suite run twice) must each turn into failures in the totals. The vitest cases run the real vitest,
// with the repository's own config, on test files written here on purpose to break. The `.only`, `.skip` and
// `.todo` below are inside those files' source strings (written to a scratch folder, never collected by this
// suite): they are the input that must be refused or counted as failed, so they must stay.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  browserRows,
  ENGINES,
  formatTotals,
  mergeRuns,
  rowsBySuite,
  sumRows,
  vitestRun,
} from '../lib/totals.mjs';
import { runVitest } from '../lib/vitest-run.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'sockwire-test-command-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the real vitest, with the repository's config, on one test file written into a scratch root. */
function vitestOn(name, source) {
  const dir = mkdtempSync(join(scratch, 'run-'));
  const file = join(dir, 'packages', 'fixture', 'test', `${name}.test.ts`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  // The child must not think it runs inside this vitest (it would report to us instead of writing its report).
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
  const { status, report } = runVitest({
    node: [process.execPath],
    vitest: join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    args: ['--config', join(root, 'vitest.config.ts'), '--root', dir],
    cwd: dir,
    stdio: 'pipe',
    env,
  });
  const tests = vitestRun({
    label: 'vitest',
    report,
    exitStatus: status,
    root: dir,
    suiteOf: () => 'fixture',
  });
  return { status, report, tests, totals: sumRows(rowsBySuite(tests)) };
}

const engineCounts = (passed, failed = 0, skipped = 0) => ({ passed, failed, skipped, flaky: 0 });
const allEngines = () => Object.fromEntries(ENGINES.map((engine) => [engine, engineCounts(5)]));

describe('browser results', () => {
  it('no results file is a failure', () => {
    const rows = browserRows({ results: undefined, exitStatus: 1 });
    expect(sumRows(rows)).toEqual({ passed: 0, failed: 1 });
    expect(rows[0].problems[0]).toMatch(/no results file/);
  });

  it('a run that exited non-zero with no failing test is a failure (the replayed bug)', () => {
    const results = { engines: allEngines(), errors: [] };
    expect(sumRows(browserRows({ results, exitStatus: 0 }))).toEqual({ passed: 15, failed: 0 });
    const rows = browserRows({ results, exitStatus: 1 });
    expect(sumRows(rows)).toEqual({ passed: 15, failed: 1 });
    expect(rows.at(-1).problems).toEqual(['the run exited 1 with no failing test']);
  });

  it('a required engine that is missing, or ran none of its tests, is a failure each', () => {
    const missing = { engines: { chromium: engineCounts(5), firefox: engineCounts(5) }, errors: [] };
    const rows = browserRows({ results: missing, exitStatus: 0 });
    expect(sumRows(rows)).toEqual({ passed: 10, failed: 1 });
    expect(rows.find((row) => row.label === 'browsers: webkit').problems).toEqual(['webkit did not run']);

    const empty = { engines: { ...allEngines(), webkit: engineCounts(0, 0, 4) }, errors: [] };
    expect(sumRows(browserRows({ results: empty, exitStatus: 1 }))).toEqual({ passed: 10, failed: 1 });
  });

  it('an engine left out explicitly is not required, and one run but not required is a failure', () => {
    const twoEngines = { engines: { chromium: engineCounts(5), firefox: engineCounts(5) }, errors: [] };
    const engines = ['chromium', 'firefox'];
    expect(sumRows(browserRows({ results: twoEngines, exitStatus: 0, engines }))).toEqual({
      passed: 10,
      failed: 0,
    });
    const rows = browserRows({ results: { engines: allEngines(), errors: [] }, exitStatus: 0, engines });
    expect(sumRows(rows).failed).toBe(1);
  });

  it('skipped or interrupted tests, and errors outside the tests, count as failed', () => {
    const results = {
      engines: { ...allEngines(), firefox: engineCounts(3, 1, 2) },
      errors: ['Error: focused item found\n  at x.spec.ts'],
    };
    const rows = browserRows({ results, exitStatus: 1 });
    expect(sumRows(rows)).toEqual({ passed: 13, failed: 4 });
    expect(rows.at(-1).problems).toEqual(['error outside tests: Error: focused item found']);
  });
});

describe('vitest runs (the real vitest on broken test files)', () => {
  it('a beforeAll that fails turns every test it guards into a failure, not one for the run', () => {
    const run = vitestOn(
      'hook',
      `import { beforeAll, describe, expect, it } from 'vitest';
describe('needs a service', () => {
  beforeAll(() => { throw new Error('Redis is not running'); });
  it('first', () => { expect(1).toBe(1); });
  it('second', () => { expect(1).toBe(1); });
  it('third', () => { expect(1).toBe(1); });
});
it('unrelated', () => { expect(1).toBe(1); });
`,
    );
    expect(run.status).not.toBe(0);
    expect(run.totals).toEqual({ passed: 1, failed: 3 });
  });

  it('a stray .only is refused: the run fails and the tests it would hide count', () => {
    const run = vitestOn(
      'focused',
      `import { expect, it } from 'vitest';
it.only('focused', () => { expect(1).toBe(1); });
it('hidden', () => { expect(1).toBe(1); });
`,
    );
    expect(run.status).not.toBe(0);
    expect(run.totals.failed).toBeGreaterThanOrEqual(1);
  });

  it('skipped and todo tests count as failed', () => {
    const run = vitestOn(
      'skipped',
      `import { expect, it } from 'vitest';
it.skip('skipped', () => { expect(1).toBe(1); });
it.todo('later');
it('runs', () => { expect(1).toBe(1); });
`,
    );
    expect(run.totals).toEqual({ passed: 1, failed: 2 });
  });

  it('a file that does not load is a failure named after its error', () => {
    const run = vitestOn(
      'broken',
      `import { it } from 'vitest';
import './missing-module.js';
it('never collected', () => {});
`,
    );
    expect(run.totals).toEqual({ passed: 0, failed: 1 });
    expect(run.tests[0].name).toMatch(/missing-module/);
  });

  it('no report at all, or a non-zero exit with no failing test, is a failure', () => {
    const suiteOf = () => 'x';
    const none = vitestRun({ label: 'v', report: undefined, exitStatus: 1, root, suiteOf });
    expect(sumRows(rowsBySuite(none))).toEqual({ passed: 0, failed: 1 });
    const report = {
      testResults: [
        {
          name: `${root}/a.test.ts`,
          status: 'passed',
          assertionResults: [{ fullName: 'a', status: 'passed' }],
        },
      ],
    };
    const crashed = vitestRun({ label: 'v', report, exitStatus: 1, root, suiteOf });
    expect(sumRows(rowsBySuite(crashed))).toEqual({ passed: 1, failed: 1 });
  });
});

describe('a suite run on two Node versions', () => {
  const test = (name, status) => ({ suite: 'server', file: 'packages/server/test/a.test.ts', name, status });
  const node20 = { label: 'Node 20', tests: [test('a', 'passed'), test('b', 'passed'), test('c', 'passed')] };
  const covers = (file) => file.startsWith('packages/server/');

  it('counts each test once', () => {
    const node24 = {
      label: 'Node 24',
      tests: [test('a', 'passed'), test('b', 'passed'), test('c', 'passed')],
    };
    const rows = rowsBySuite(
      mergeRuns([
        { ...node20, covers },
        { ...node24, covers },
      ]),
    );
    expect(sumRows(rows)).toEqual({ passed: 3, failed: 0 });
  });

  it('a test that failed, or did not run, on one of them fails once, naming where', () => {
    const node24 = { label: 'Node 24', tests: [test('a', 'failed'), test('b', 'passed')] };
    const rows = rowsBySuite(
      mergeRuns([
        { ...node20, covers },
        { ...node24, covers },
      ]),
    );
    expect(sumRows(rows)).toEqual({ passed: 1, failed: 2 });
    expect(rows[0].problems).toEqual([
      'failed: packages/server/test/a.test.ts > a [Node 24]',
      'not run: packages/server/test/a.test.ts > c [Node 24]',
    ]);
  });
});

describe('the configuration the command runs with', () => {
  it('Playwright declares all three engines and refuses .only everywhere', async () => {
    const { default: config } = await import('../../e2e/playwright.config.ts');
    expect(config.projects.map((project) => project.name).sort()).toEqual([...ENGINES].sort());
    expect(config.forbidOnly).toBe(true);
  });

  it('biome refuses a focused and a skipped test (an error, not a warning)', () => {
    for (const source of ["test.only('x', () => {});\n", "it.skip('x', () => {});\n"]) {
      const result = spawnSync(
        join(root, 'node_modules', '.bin', 'biome'),
        ['lint', '--stdin-file-path=e2e/tests/stray.spec.ts'],
        { cwd: root, input: `import { it, test } from 'vitest';\n${source}`, encoding: 'utf8' },
      );
      expect(result.status, result.stdout + result.stderr).not.toBe(0);
    }
  });

  it('prints a line per suite and the totals line last', () => {
    const lines = formatTotals([
      { label: 'lint', passed: 1, failed: 0, notRun: 0, problems: [] },
      { label: 'vitest: packages/server', passed: 4, failed: 1, notRun: 2, problems: ['failed: x'] },
    ]);
    expect(lines.slice(1)).toEqual([
      '  lint: 1 passed, 0 failed',
      '  vitest: packages/server: 4 passed, 3 failed (2 of them not run)',
      '      failed: x',
      '5 passed, 3 failed',
    ]);
  });
});
