import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestError } from '@playwright/test/reporter';
import { describeTiming, type OpenTiming, TIMING_ATTACHMENT } from './timing.js';

/*
 * Prints, after Playwright's own list, the counts per engine (one Playwright project per engine) and the table
 * of times to open through the proxies; writes both to a JSON file for the root test command.
 */

export interface EngineCounts {
  passed: number;
  failed: number;
  skipped: number;
  flaky: number;
}

export interface TimingRow extends OpenTiming {
  readonly engine: string;
}

/** The shape of the results file (`artifacts/results.json` by default). */
export interface SuiteResults {
  readonly status: FullResult['status'];
  readonly engines: Record<string, EngineCounts>;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Errors outside any test (a config that does not load, a global setup that throws). */
  readonly errors: readonly string[];
  readonly timings: readonly TimingRow[];
}

interface Options {
  /** Relative to the config file's folder. */
  outputFile?: string;
}

const ENGINES = ['chromium', 'firefox', 'webkit'];

export default class SummaryReporter implements Reporter {
  private root: Suite | undefined;
  private configDir = process.cwd();
  private readonly errors: string[] = [];

  constructor(private readonly options: Options = {}) {}

  printsToStdio(): boolean {
    return true;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.root = suite;
    this.configDir = config.configFile ? dirname(config.configFile) : process.cwd();
  }

  onError(error: TestError): void {
    this.errors.push(error.message ?? error.value ?? 'unknown error');
  }

  onEnd(result: FullResult): void {
    const engines: Record<string, EngineCounts> = {};
    const timings: TimingRow[] = [];
    for (const project of this.root?.suites ?? []) {
      const counts: EngineCounts = { passed: 0, failed: 0, skipped: 0, flaky: 0 };
      engines[project.title] = counts;
      for (const test of project.allTests()) {
        const outcome = test.outcome();
        if (outcome === 'expected' || outcome === 'flaky') counts.passed++;
        if (outcome === 'flaky') counts.flaky++;
        if (outcome === 'unexpected') counts.failed++;
        if (outcome === 'skipped') counts.skipped++;
        for (const run of test.results) {
          for (const attachment of run.attachments) {
            if (attachment.name !== TIMING_ATTACHMENT || !attachment.body) continue;
            const timing = JSON.parse(attachment.body.toString()) as OpenTiming;
            timings.push({ engine: project.title, ...timing });
          }
        }
      }
    }
    const sum = (key: keyof EngineCounts) => Object.values(engines).reduce((total, c) => total + c[key], 0);
    const results: SuiteResults = {
      status: result.status,
      engines,
      passed: sum('passed'),
      failed: sum('failed'),
      skipped: sum('skipped'),
      errors: this.errors,
      timings,
    };
    this.print(results);
    const file = resolve(this.configDir, this.options.outputFile ?? 'artifacts/results.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`results: ${file}`);
  }

  private print(results: SuiteResults): void {
    console.log('\n=== Browser suite by engine');
    for (const name of new Set([...ENGINES, ...Object.keys(results.engines)])) {
      const counts = results.engines[name];
      if (!counts) {
        console.log(`  ${name}: not run${name === 'webkit' && !process.env.DISPLAY ? ' (no DISPLAY)' : ''}`);
        continue;
      }
      const extra = `${counts.skipped ? `, ${counts.skipped} skipped` : ''}${counts.flaky ? ` (${counts.flaky} flaky)` : ''}`;
      console.log(`  ${name}: ${counts.passed} passed, ${counts.failed} failed${extra}`);
    }
    for (const error of results.errors) console.log(`  error outside tests: ${error.split('\n')[0]}`);
    if (results.timings.length > 0) this.printTimings(results.timings);
  }

  /** One row per path and client, one column per engine: `transport median ms (samples)`. */
  private printTimings(timings: readonly TimingRow[]): void {
    const engines = [...new Set(timings.map((t) => t.engine))];
    const rows = new Map<string, Map<string, string>>();
    for (const t of timings) {
      const key = `${t.path.padEnd(22)} ${t.client.padEnd(14)}`;
      const row = rows.get(key) ?? new Map<string, string>();
      row.set(t.engine, describeTiming(t));
      rows.set(key, row);
    }
    const width = Math.max(
      ...[...rows.values()].flatMap((row) => [...row.values()].map((cell) => cell.length)),
    );
    const line = (key: string, cells: readonly string[]) =>
      `  ${key} ${cells.map((c) => c.padEnd(width)).join('  ')}`.trimEnd();
    console.log('\n=== Time to open through the proxies, no transport list given: median (samples) in ms');
    console.log(line(`${'path'.padEnd(22)} ${'client'.padEnd(14)}`, engines));
    for (const [key, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(
        line(
          key,
          engines.map((e) => row.get(e) ?? '-'),
        ),
      );
    }
  }
}
