import { writeFile } from 'node:fs/promises';
import { test as base, type TestInfo } from '@playwright/test';
import { type Engine, playwrightEngine, webkitEngine } from './engine.js';
import { type ProxyMode, startProxy, type TestProxy } from './servers/proxy.js';
import { type Stack, startStack } from './servers/stack.js';
import { startWebKit, type WebKitSession } from './webkit.js';

/*
 * The fixtures every spec uses, and `inEveryEngine`, which declares each test once per driver:
 *   - tagged @playwright, run by the chromium and firefox projects on Playwright's own `page` (so traces and
 *     failure screenshots come for free);
 *   - tagged @webdriver, run by the webkit project on the worker's MiniBrowser session.
 * Each project's grep keeps exactly one of the two, so every engine runs every scenario exactly once.
 */

interface WorkerFixtures {
  stack: Stack;
  webkit: WebKitSession;
}

/** Starts a proxy in front of `target` (default: our echo service's origin); closed after the test. */
export type ProxyFactory = (mode: ProxyMode, targetOrigin?: string) => Promise<TestProxy>;

interface TestFixtures {
  pageEngine: Engine;
  webkitEngine: Engine;
  openProxy: ProxyFactory;
}

const failed = (info: TestInfo): boolean => info.status !== info.expectedStatus;

/** Writes a file into the test's output folder (kept on disk, beside the trace) and attaches it. */
async function attachFile(info: TestInfo, name: string, body: string | Buffer, contentType: string) {
  const path = info.outputPath(name);
  await writeFile(path, body);
  await info.attach(name, { path, contentType });
}

/** What the page-side scenarios returned, attached to a failing test: their logs say where it stuck. */
async function attachResults(info: TestInfo, engine: Engine): Promise<void> {
  if (!failed(info) || engine.results.length === 0) return;
  await attachFile(
    info,
    'scenario-results.json',
    JSON.stringify(engine.results, null, 2),
    'application/json',
  );
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stack: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern.
    async ({}, use) => {
      const stack = await startStack();
      await use(stack);
      await stack.close();
    },
    { scope: 'worker' },
  ],

  webkit: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern.
    async ({}, use) => {
      const session = await startWebKit();
      await use(session);
      await session.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  pageEngine: async ({ page }, use, info) => {
    const engine = playwrightEngine(info.project.name, page);
    await use(engine);
    await attachResults(info, engine);
  },

  webkitEngine: async ({ webkit }, use, info) => {
    const engine = webkitEngine(webkit.browser);
    await use(engine);
    await attachResults(info, engine);
    if (failed(info)) {
      const png = await webkit.browser.takeScreenshot().catch(() => undefined);
      if (png) await attachFile(info, 'screenshot.png', Buffer.from(png, 'base64'), 'image/png');
    }
    // Leave the page, so that its sockets close before the next test of this worker starts.
    await webkit.browser.url('about:blank');
  },

  // Not `proxy`: that name is Playwright's own option (the browser's proxy settings).
  openProxy: async ({ stack }, use, info) => {
    const proxies: TestProxy[] = [];
    await use(async (mode, targetOrigin = stack.services.sockwire.origin) => {
      const proxy = await startProxy(mode, targetOrigin);
      proxies.push(proxy);
      return proxy;
    });
    for (const proxy of proxies) {
      if (failed(info))
        await attachFile(info, `proxy-${proxy.mode}.log`, proxy.events.join('\n'), 'text/plain');
      await proxy.close();
    }
  },
});

export { expect } from '@playwright/test';

/** A `test` whose tests get an `engine` fixture: one tab of whichever engine the project runs. */
export type EngineTest = typeof viaPlaywright;

const viaPlaywright = test.extend<{ engine: Engine }>({
  engine: async ({ pageEngine }, use) => use(pageEngine),
});
const viaWebDriver: EngineTest = test.extend<{ engine: Engine }>({
  engine: async ({ webkitEngine }, use) => use(webkitEngine),
});

/**
 * Declares the tests that `define` declares once per driver (see the top of this file). Specs call the `test`
 * they are handed, so that Playwright reports each test at its line in the spec.
 */
export function inEveryEngine(define: (test: EngineTest) => void): void {
  test.describe('via Playwright', { tag: '@playwright' }, () => define(viaPlaywright));
  test.describe('via WebDriver', { tag: '@webdriver' }, () => define(viaWebDriver));
}
