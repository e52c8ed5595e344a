// The arithmetic of the test command's totals, apart from any process it runs, so that its own tests can feed it
// broken results. The rule: every test that ran is counted once, and every test that was expected and did not
// run (skipped, pending, todo, interrupted, in a file that did not load, on an engine that did not start) is
// counted as failed, so `N passed, 0 failed` can only mean that everything expected ran and passed.

/** The browser engines the suite must run unless the caller leaves one out explicitly (`--engines`). */
export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** Vitest's per-test statuses that mean "expected to run and did not". */
const NOT_RUN = new Set(['skipped', 'pending', 'todo', 'disabled']);

/**
 * The tests of one vitest JSON report, as `{ suite, file, name, status }` with status `passed`, `failed` or
 * `not run`. A file that failed with every test it reported passed (it did not load, or a hook threw after
 * the tests) becomes one failed entry named after its error. `suiteOf(file)` groups files for the printout.
 */
export function vitestTests(report, { root, suiteOf }) {
  const tests = [];
  for (const file of report.testResults ?? []) {
    const path = relative(root, file.name);
    const suite = suiteOf(path);
    let unpassed = 0;
    for (const test of file.assertionResults ?? []) {
      const status = test.status === 'passed' ? 'passed' : NOT_RUN.has(test.status) ? 'not run' : 'failed';
      if (status !== 'passed') unpassed++;
      tests.push({ suite, file: path, name: test.fullName, status });
    }
    // Counted once: a hook failure already shows as the tests it kept from running.
    if (file.status === 'failed' && unpassed === 0) {
      const why = firstLine(file.message) || 'the file failed outside its tests';
      tests.push({ suite, file: path, name: `(file) ${why}`, status: 'failed' });
    }
  }
  return tests;
}

/**
 * One vitest run's outcome. `report` is the parsed JSON report, or undefined when none was written. A run
 * that exited non-zero with no failing test gets one failed entry, so a crash after the last test still counts.
 */
export function vitestRun({ label, report, exitStatus, root, suiteOf }) {
  if (!report) {
    return [
      { suite: label, file: '', name: `(run) no report written (exit ${exitStatus})`, status: 'failed' },
    ];
  }
  const tests = vitestTests(report, { root, suiteOf });
  if (exitStatus !== 0 && !tests.some((t) => t.status !== 'passed')) {
    tests.push({
      suite: label,
      file: '',
      name: `(run) exited ${exitStatus} with no failing test`,
      status: 'failed',
    });
  }
  return tests;
}

/**
 * Several runs of the same suites (one per Node version) as one list: a test counts once, and passes only if it
 * passed in every run expected to include it. `runs` is `[{ label, tests, covers(file) }]`; a test of a file a
 * run covers but absent from that run's report is counted as not run there.
 */
export function mergeRuns(runs) {
  const byKey = new Map();
  for (const run of runs) {
    for (const test of run.tests) {
      const key = `${test.suite}\0${test.file}\0${test.name}`;
      const entry = byKey.get(key) ?? { ...test, runs: {} };
      entry.runs[run.label] = test.status;
      byKey.set(key, entry);
    }
  }
  const merged = [];
  for (const entry of byKey.values()) {
    const statuses = runs
      .filter((run) => run.label in entry.runs || (entry.file !== '' && run.covers(entry.file)))
      .map((run) => entry.runs[run.label] ?? 'not run');
    const status = statuses.includes('failed')
      ? 'failed'
      : statuses.includes('not run')
        ? 'not run'
        : 'passed';
    const failedIn = runs.filter(
      (run) => (entry.runs[run.label] ?? 'not run') !== 'passed' && run.covers(entry.file),
    );
    merged.push({ ...entry, status, failedIn: status === 'passed' ? [] : failedIn.map((run) => run.label) });
  }
  return merged;
}

/** Rows `{ label, passed, failed, notRun, problems }` per suite, in order of first appearance. */
export function rowsBySuite(tests) {
  const rows = new Map();
  for (const test of tests) {
    const row = rows.get(test.suite) ?? { label: test.suite, passed: 0, failed: 0, notRun: 0, problems: [] };
    if (test.status === 'passed') row.passed++;
    else {
      if (test.status === 'failed') row.failed++;
      else row.notRun++;
      const where = test.failedIn?.length ? ` [${test.failedIn.join(', ')}]` : '';
      row.problems.push(`${test.status}: ${test.file ? `${test.file} > ` : ''}${test.name}${where}`);
    }
    rows.set(test.suite, row);
  }
  return [...rows.values()];
}

/**
 * Rows for the browser suite from its results file (e2e/artifacts/results.json), one per required engine. An
 * engine that is missing or ran no test, an error outside every test, and a run that failed with no failing test
 * each count as one failure; skipped and interrupted tests count as not run.
 */
export function browserRows({ results, exitStatus, engines = ENGINES }) {
  if (!results) {
    return [
      {
        label: 'browsers',
        passed: 0,
        failed: 1,
        notRun: 0,
        problems: [`no results file (exit ${exitStatus})`],
      },
    ];
  }
  const rows = [];
  for (const engine of engines) {
    const counts = results.engines?.[engine];
    const ran = counts ? counts.passed + counts.failed : 0;
    if (!counts || ran === 0) {
      const why = counts ? `ran none of its ${counts.skipped ?? 0} tests` : 'did not run';
      rows.push({
        label: `browsers: ${engine}`,
        passed: 0,
        failed: 1,
        notRun: 0,
        problems: [`${engine} ${why}`],
      });
      continue;
    }
    const problems = [];
    if (counts.failed) problems.push(`${counts.failed} failed`);
    if (counts.skipped) problems.push(`${counts.skipped} skipped or interrupted`);
    rows.push({
      label: `browsers: ${engine}`,
      passed: counts.passed,
      failed: counts.failed,
      notRun: counts.skipped ?? 0,
      problems,
    });
  }
  for (const engine of Object.keys(results.engines ?? {})) {
    if (!engines.includes(engine)) {
      rows.push({
        label: `browsers: ${engine}`,
        passed: 0,
        failed: 1,
        notRun: 0,
        problems: [`${engine} ran but is not one of the required engines (${engines.join(', ')})`],
      });
    }
  }
  const outside = (results.errors ?? []).map((error) => `error outside tests: ${firstLine(error)}`);
  const counted = rows.reduce((sum, row) => sum + row.failed + row.notRun, 0) + outside.length;
  if (exitStatus !== 0 && counted === 0) outside.push(`the run exited ${exitStatus} with no failing test`);
  if (outside.length > 0) {
    rows.push({ label: 'browsers: run', passed: 0, failed: outside.length, notRun: 0, problems: outside });
  }
  return rows;
}

/** A check (lint, type-check, build, ...) counts as one test. */
export function checkRow(label, ok, why = '') {
  return { label, passed: ok ? 1 : 0, failed: ok ? 0 : 1, notRun: 0, problems: ok ? [] : [why || 'failed'] };
}

/** The printout: one line per suite with what ran, the problems under it, then the totals line last. */
export function formatTotals(rows, { maxProblems = 20 } = {}) {
  const lines = ['=== Totals by suite (a test expected and not run counts as failed)'];
  for (const row of rows) {
    const notRun = row.notRun ? ` (${row.notRun} of them not run)` : '';
    lines.push(`  ${row.label}: ${row.passed} passed, ${row.failed + row.notRun} failed${notRun}`);
    for (const problem of row.problems.slice(0, maxProblems)) lines.push(`      ${problem}`);
    if (row.problems.length > maxProblems)
      lines.push(`      ... and ${row.problems.length - maxProblems} more`);
  }
  const { passed, failed } = sumRows(rows);
  lines.push(`${passed} passed, ${failed} failed`);
  return lines;
}

export function sumRows(rows) {
  return {
    passed: rows.reduce((sum, row) => sum + row.passed, 0),
    failed: rows.reduce((sum, row) => sum + row.failed + row.notRun, 0),
  };
}

function relative(root, path) {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

function firstLine(text) {
  return String(text ?? '')
    .split('\n')[0]
    .trim();
}
