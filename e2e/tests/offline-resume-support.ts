import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { Page, TestInfo } from '@playwright/test';
import type { ResumeMethod, ResumeSnapshot, ResumeStartArgs } from '../src/offline-resume-types.js';
import { type CutProxy, startCutProxy } from '../src/servers/cut-proxy.js';
import { type ResumeService, startResumeService } from '../src/servers/resume-stomp.js';
import type { Stack } from '../src/servers/stack.js';
import type { WebKitSession } from '../src/webkit.js';

/*
 * The fixtures of offline-resume.spec.ts (which declares them: the spec exports nothing, so Playwright's fixture
 * types need no name here):
 *   - `tab`: the test page with page/offline-resume.js injected, driven step by step (Playwright's evaluate, or
 *     WebDriver's executeAsync in WebKitGTK), and, in Chromium and Firefox only, Playwright's
 *     `context.setOffline`;
 *   - `openResume(history)`: a STOMP service of the test's own (src/servers/resume-stomp.ts) with a cut proxy
 *     (src/servers/cut-proxy.ts) in front of it, both closed after the test.
 * A failing test gets the page's last snapshot (its log says where it stuck), the proxy's events and the
 * server's session log as attachments.
 */

const source = readFileSync(new URL('../page/offline-resume.js', import.meta.url), 'utf8');

export interface ResumeTab {
  /** The Playwright project: 'chromium', 'firefox' or 'webkit'. */
  readonly engine: string;
  /** Opens `url` (a page of the page server with sockwire-stomp.min.js) and injects page/offline-resume.js. */
  load(url: string): Promise<void>;
  call(method: 'start', args: ResumeStartArgs): Promise<ResumeSnapshot>;
  call(method: 'type', text: string): Promise<ResumeSnapshot>;
  call(method: 'snapshot' | 'stop'): Promise<ResumeSnapshot>;
  /** `context.setOffline` of Chromium and Firefox; undefined in WebKitGTK, whose WebDriver has no such command. */
  readonly setOffline: ((offline: boolean) => Promise<void>) | undefined;
  /** The last snapshot any call returned, for the failure report. */
  readonly last: ResumeSnapshot | undefined;
}

type Outcome = ResumeSnapshot | { thrown: string };

/** What the page answers when page/offline-resume.js is missing (the injection failed). */
const MISSING = JSON.stringify({ thrown: 'page/offline-resume.js is not on the page' });

function makeTab(
  engine: string,
  setOffline: ResumeTab['setOffline'],
  open: (url: string) => Promise<void>,
  invoke: (method: ResumeMethod, arg: unknown) => Promise<string>,
): ResumeTab {
  let last: ResumeSnapshot | undefined;
  const call = async (method: ResumeMethod, arg?: unknown): Promise<ResumeSnapshot> => {
    const outcome = JSON.parse(await invoke(method, arg)) as Outcome;
    if ('thrown' in outcome) {
      throw new Error(`offlineResume.${method}() threw in the page: ${outcome.thrown}`);
    }
    last = outcome;
    return outcome;
  };
  return {
    engine,
    load: open,
    call: call as ResumeTab['call'],
    setOffline,
    get last() {
      return last;
    },
  };
}

/** Waits until `predicate` holds for the page's snapshot, polling; fails with the page log after `timeoutMs`. */
export async function until(
  tab: ResumeTab,
  what: string,
  predicate: (snapshot: ResumeSnapshot) => boolean,
  timeoutMs = 15_000,
): Promise<ResumeSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = await tab.call('snapshot');
    if (predicate(snapshot)) return snapshot;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms. Page log:\n${snapshot.log.join('\n')}`);
    }
    await delay(50);
  }
}

/** Waits until `predicate` holds on the server side (its session log, its subscriber), polling. */
export async function untilServer(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(50);
  }
}

export interface ResumeStack {
  readonly service: ResumeService;
  readonly proxy: CutProxy;
}

export type OpenResume = (history: { size: number; ttl?: number }) => Promise<ResumeStack>;

const failed = (info: TestInfo): boolean => info.status !== info.expectedStatus;

async function attachJson(info: TestInfo, name: string, value: unknown): Promise<void> {
  await info.attach(name, { body: JSON.stringify(value, null, 2), contentType: 'application/json' });
}

/** The `openResume` fixture (see the top of this file). */
export async function openResumeFixture(
  { stack }: { stack: Stack },
  use: (open: OpenResume) => Promise<void>,
  info: TestInfo,
): Promise<void> {
  const opened: ResumeStack[] = [];
  await use(async (history) => {
    const service = await startResumeService({
      history: { ttl: 300, ...history },
      sockjsUrl: stack.pages.sockjsClientUrl,
    });
    const proxy = await startCutProxy(service.origin);
    const pair = { service, proxy };
    opened.push(pair);
    return pair;
  });
  for (const { service, proxy } of opened) {
    if (failed(info)) {
      await attachJson(info, 'server.json', { sessions: service.sessions, stats: service.stats() });
      await info.attach('cut-proxy.log', { body: proxy.events.join('\n'), contentType: 'text/plain' });
    }
    await proxy.close();
    await service.close();
  }
}

/** The `tab` fixture of Chromium and Firefox: Playwright's page, and its context's offline switch. */
export async function tabViaPlaywright(
  { page }: { page: Page },
  use: (tab: ResumeTab) => Promise<void>,
  info: TestInfo,
): Promise<void> {
  const context = page.context();
  const tab = makeTab(
    info.project.name,
    (offline) => context.setOffline(offline),
    async (url) => {
      await page.goto(url);
      await page.addScriptTag({ content: source });
    },
    (method, arg) =>
      page.evaluate(([m, a, missing]) => (window.offlineResume ? window.offlineResume.call(m, a) : missing), [
        method,
        arg,
        MISSING,
      ] as const),
  );
  await use(tab);
  if (failed(info) && tab.last) await attachJson(info, 'page-snapshot.json', tab.last);
}

/** The `tab` fixture of WebKitGTK: the worker's MiniBrowser session, no offline switch. */
export async function tabViaWebDriver(
  { webkit }: { webkit: WebKitSession },
  use: (tab: ResumeTab) => Promise<void>,
  info: TestInfo,
): Promise<void> {
  const browser = webkit.browser;
  const tab = makeTab(
    'webkit',
    undefined,
    async (url) => {
      await browser.url(url);
      await browser.execute(source);
    },
    (method, arg) =>
      browser.executeAsync(
        (m: ResumeMethod, a: unknown, missing: string, done: (json: string) => void) => {
          if (window.offlineResume) window.offlineResume.call(m, a).then(done);
          else done(missing);
        },
        method,
        arg,
        MISSING,
      ),
  );
  await use(tab);
  if (failed(info)) {
    if (tab.last) await attachJson(info, 'page-snapshot.json', tab.last);
    const png = await browser.takeScreenshot().catch(() => undefined);
    if (png) {
      await info.attach('screenshot.png', { body: Buffer.from(png, 'base64'), contentType: 'image/png' });
    }
  }
  // Leave the page, so that its sockets close before the next test of this worker starts.
  await browser.url('about:blank');
}
