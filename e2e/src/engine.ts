import type { Page } from '@playwright/test';
import type {} from './page-globals.js';
import type { ScenarioArgs, ScenarioFailure, ScenarioName, ScenarioResult } from './scenario-types.js';
import type { WebKitBrowser } from './webkit.js';

/*
 * One browser tab, whichever engine and driver is behind it, so that a spec is written once: open a page of the
 * page server, run a page-side scenario, get its result back.
 */
export interface Engine {
  /** The Playwright project: 'chromium', 'firefox' or 'webkit'. */
  readonly name: string;
  open(url: string): Promise<void>;
  /** Runs `window.runScenario(name, args)`; rejects with the page's message when the scenario threw. */
  run<N extends ScenarioName>(name: N, args: ScenarioArgs<N>): Promise<ScenarioResult<N>>;
  /** Every result returned so far, for the failure report. */
  readonly results: readonly unknown[];
  /** Runs `fn` in the page and returns its text: for pages that are not the page server's. */
  evaluate(fn: () => string): Promise<string>;
}

type Outcome<N extends ScenarioName> = ScenarioResult<N> | ScenarioFailure;

function settle<N extends ScenarioName>(outcome: Outcome<N>, results: unknown[]): ScenarioResult<N> {
  results.push(outcome);
  if ('thrown' in outcome) throw new Error(`the page-side scenario threw: ${outcome.thrown}`);
  return outcome;
}

/** Chromium or Firefox through Playwright: Playwright's own page, so its trace and screenshots cover the test. */
export function playwrightEngine(name: string, page: Page): Engine {
  const results: unknown[] = [];
  return {
    name,
    results,
    async open(url) {
      await page.goto(url);
    },
    async run(scenario, args) {
      const outcome = await page.evaluate(([n, a]) => window.runScenario(n, a), [scenario, args] as const);
      return settle(outcome, results);
    },
    evaluate: (fn) => page.evaluate(fn),
  };
}

/** WebKitGTK through WebDriver: the same page-side code, called through executeAsync. */
export function webkitEngine(browser: WebKitBrowser): Engine {
  const results: unknown[] = [];
  return {
    name: 'webkit',
    results,
    async open(url) {
      await browser.url(url);
    },
    async run<N extends ScenarioName>(scenario: N, args: ScenarioArgs<N>) {
      // The page answers with its result as a JSON string, not as an object: webdriverio takes any script
      // result with a truthy `error` (or `stacktrace`) property for a WebDriver error response, and retries the
      // command, so a result that reports `error: 'timed out ...'` would run the scenario again, up to 3 more
      // times in the same page, and end as a WebDriverError without the page log. The types are the contract of
      // runScenario, which TypeScript cannot follow across the WebDriver wire, hence the one cast.
      const json = await browser.executeAsync(
        (n: string, a: unknown, done: (result: string) => void) => {
          window
            .runScenario(n as ScenarioName, a as ScenarioArgs<ScenarioName>)
            .then((outcome) => done(JSON.stringify(outcome)));
        },
        scenario,
        args,
      );
      return settle(JSON.parse(json) as Outcome<N>, results);
    },
    evaluate: (fn) => browser.execute(fn),
  };
}
