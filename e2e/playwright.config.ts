import { defineConfig, type Project } from '@playwright/test';
import { CHROMIUM, FIREFOX, hasDisplay } from './src/browsers.js';

/*
 * One project per engine. Chromium and Firefox run the @playwright variant of each scenario on Playwright's
 * page; WebKitGTK runs the @webdriver variant on MiniBrowser (src/fixtures.ts), and only with an X display,
 * which `pnpm test` (scripts/run.mjs) provides through xvfb-run when there is none.
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
];
if (hasDisplay()) projects.push({ name: 'webkit', grep: /@webdriver/ });

export default defineConfig({
  testDir: './tests',
  outputDir: './artifacts/test-results',
  // 2 cores: one worker per core. Each worker has its own servers and browser.
  workers: 2,
  fullyParallel: true,
  // A retry would hide exactly the flakiness this suite exists to find.
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 30_000,
  reporter: [['list'], ['./src/reporter.ts', { outputFile: 'artifacts/results.json' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects,
});
