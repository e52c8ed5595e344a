import { defineConfig, type Project } from '@playwright/test';
import { CHROMIUM, FIREFOX } from './src/browsers.js';

/*
 * One project per engine. Chromium and Firefox run the @playwright variant of each scenario on Playwright's
 * page; WebKitGTK runs the @webdriver variant on MiniBrowser (src/fixtures.ts), which needs an X display:
 * scripts/run.mjs provides one through xvfb-run. The WebKit project is always declared, so that a run without a
 * display fails its WebKit tests (with the reason) instead of silently running two engines; leaving an engine
 * out takes an explicit `--engines` option of scripts/run.mjs, which the totals print.
 */

// Workers import @sockwire/server from its TypeScript sources (the `source` export condition, as vitest does),
// not from dist/, so that a concurrent rebuild (tsup empties dist/ first) cannot break a run. Workers are
// spawned by this process after it loaded this file, with its environment.
if (!process.env.NODE_OPTIONS?.includes('--conditions=source')) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --conditions=source`.trim();
}

const projects: Project[] = [
  { name: 'chromium', grepInvert: /@webdriver/, use: { browserName: 'chromium', launchOptions: CHROMIUM } },
  // Tests tagged @from-chromium drive a second engine from the Chromium project; no other project declares them.
  {
    name: 'firefox',
    grepInvert: /@webdriver|@from-chromium/,
    use: { browserName: 'firefox', launchOptions: FIREFOX },
  },
  { name: 'webkit', grep: /@webdriver/ },
];

export default defineConfig({
  testDir: './tests',
  outputDir: './artifacts/test-results',
  // 2 cores: one worker per core. Each worker has its own servers and browser.
  workers: 2,
  fullyParallel: true,
  // A retry would hide exactly the flakiness this suite exists to find.
  retries: 0,
  // A focused test would leave the others unrun: refused everywhere, not only where CI is set.
  forbidOnly: true,
  timeout: 30_000,
  reporter: [['list'], ['./src/reporter.ts', { outputFile: 'artifacts/results.json' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects,
});
