import { setTimeout as delay } from 'node:timers/promises';
import type { Page, TestInfo } from '@playwright/test';
import { type FixationSites, startFixationSites } from '../src/servers/fixation.js';
import type { Stack } from '../src/servers/stack.js';
import type { WebKitSession } from '../src/webkit.js';

/*
 * The fixtures of session-fixation.spec.ts (which declares them):
 *   - `sites`: the victim's SockJS server and the attacker's site (src/servers/fixation.ts), fresh for each
 *     test, so that its request log and the connections its app saw belong to that test alone;
 *   - `tabs`: the attacker's pages in the test's browser, its own tab or another one (`AttackerTabs`):
 *     Playwright's page and `context.newPage()`, or WebDriver's current window and New Window in WebKitGTK.
 * A failing test gets the victim's request log and the connections its app saw as attachments.
 */

/**
 * The attacker's pages in the test's browser (same cookies). Neither call waits for a page's load event: on
 * a server without the fix, what the attacker's pages start are streams that never end, so a load that waits
 * for them would hold the driver until the test's timeout. The spec waits on the server's request log.
 */
export interface AttackerTabs {
  /** Sends the test's own tab to `url`. */
  visit(url: string): Promise<void>;
  /** Opens `url` in another tab; resolves with the function that closes that tab. */
  openTab(url: string): Promise<() => Promise<void>>;
}

const failed = (info: TestInfo): boolean => info.status !== info.expectedStatus;

/** Polls `probe` until it returns a value other than undefined; throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(25);
  }
}

export async function sitesFixture(
  { stack }: { stack: Stack },
  use: (sites: FixationSites) => Promise<void>,
  info: TestInfo,
): Promise<void> {
  const sites = await startFixationSites(stack.pages.origin);
  await use(sites);
  if (failed(info)) {
    const log = { requests: sites.victim.requests, connections: sites.victim.connections };
    await info.attach('victim-server.json', {
      body: JSON.stringify(log, null, 2),
      contentType: 'application/json',
    });
  }
  await sites.close();
}

export async function tabsViaPlaywright(
  { page }: { page: Page },
  use: (tabs: AttackerTabs) => Promise<void>,
): Promise<void> {
  const opened: Page[] = [];
  await use({
    async visit(url) {
      await page.goto(url, { waitUntil: 'commit' });
    },
    async openTab(url) {
      const tab = await page.context().newPage();
      opened.push(tab);
      await tab.goto(url, { waitUntil: 'commit' });
      return () => tab.close();
    },
  });
  for (const tab of opened) if (!tab.isClosed()) await tab.close();
}

export async function tabsViaWebDriver(
  { webkit }: { webkit: WebKitSession },
  use: (tabs: AttackerTabs) => Promise<void>,
): Promise<void> {
  const browser = webkit.browser;
  const home = await browser.getWindowHandle();
  const others = new Set<string>();
  // WebDriver's Navigate To waits for the load; a navigation the page's script starts does not.
  const go = (url: string) =>
    browser.execute((to: string) => {
      location.href = to;
    }, url);
  const close = async (handle: string) => {
    if (!others.delete(handle)) return;
    await browser.switchToWindow(handle);
    await browser.closeWindow();
    await browser.switchToWindow(home);
  };
  await use({
    visit: go,
    async openTab(url) {
      const { handle } = await browser.createWindow('tab');
      others.add(handle);
      await browser.switchToWindow(handle);
      await go(url);
      // Back to the test's own tab, which the engine drives.
      await browser.switchToWindow(home);
      return () => close(handle);
    },
  });
  // A test that failed between opening and closing its tab: the worker's next test needs the first window.
  for (const handle of [...others]) await close(handle).catch(() => undefined);
}
