import { writeFile } from 'node:fs/promises';
import type { Page, ViewportSize } from '@playwright/test';
import { AXE_SOURCE, AXE_TAGS, type AxeReport, runAxeInPage } from './axe.js';
import type { WebKitBrowser } from './webkit.js';

/*
 * One tab of the demo chat in any engine, driven by CSS selectors and page-side functions, so that a walk
 * through the page is written once and run by Playwright (Chromium, Firefox) and by WebDriver (WebKitGTK).
 * Functions handed to `evaluate` and `waitFor` are serialised into the page: no closures, only their argument.
 */
export interface DemoTab {
  readonly engine: string;
  goto(url: string): Promise<void>;
  /** The window's inner size (WebKit: the window's, so the page gets a little less height). */
  resize(size: ViewportSize): Promise<void>;
  fill(selector: string, text: string): Promise<void>;
  /** Clicks like a person: fails if the element is hidden or covered. */
  click(selector: string): Promise<void>;
  /** A key, to the focused element. */
  press(key: 'Enter' | 'Escape'): Promise<void>;
  evaluate<A, R>(fn: (arg: A) => R, arg: A): Promise<R>;
  /** Waits until `fn(arg)` is truthy in the page; `what` names it in the timeout's message. */
  waitFor<A>(what: string, fn: (arg: A) => unknown, arg: A, timeoutMs?: number): Promise<void>;
  screenshot(path: string): Promise<void>;
  /** axe-core over the page as it is now. */
  axe(state: string): Promise<AxeReport>;
}

const WAIT_MS = 15_000;

function parseAxe(state: string, json: string): AxeReport {
  const parsed = JSON.parse(json) as Omit<AxeReport, 'state'> & { thrown?: string };
  if (parsed.thrown !== undefined) throw new Error(`axe failed in the page: ${parsed.thrown}`);
  return { state, ...parsed };
}

/** `runAxeInPage`, installed on the page by its source (a function cannot be handed over with its body). */
interface Runner {
  runAxe(tags: readonly string[], done: (json: string) => void): void;
}
const INSTALL_RUNNER = `window.runAxe = ${runAxeInPage.toString()};`;

export function playwrightTab(engine: string, page: Page): DemoTab {
  return {
    engine,
    async goto(url) {
      await page.goto(url);
    },
    resize: (size) => page.setViewportSize(size),
    fill: (selector, text) => page.locator(selector).fill(text),
    click: (selector) => page.locator(selector).click(),
    press: (key) => page.keyboard.press(key),
    // The page functions take plain JSON arguments, never handles: Playwright's unboxing changes nothing.
    evaluate: <A, R>(fn: (arg: A) => R, arg: A) => page.evaluate(fn as (arg: unknown) => R, arg as unknown),
    async waitFor(what, fn, arg, timeoutMs = WAIT_MS) {
      try {
        await page.waitForFunction(fn as (arg: unknown) => unknown, arg as unknown, {
          timeout: timeoutMs,
          polling: 100,
        });
      } catch (error) {
        throw new Error(`${engine}: timed out after ${timeoutMs} ms waiting for ${what}`, { cause: error });
      }
    },
    async screenshot(path) {
      await page.screenshot({ path });
    },
    async axe(state) {
      await page.evaluate(AXE_SOURCE);
      await page.evaluate(INSTALL_RUNNER);
      const json = await page.evaluate(
        (tags) => new Promise<string>((done) => (window as unknown as Runner).runAxe(tags, done)),
        [...AXE_TAGS],
      );
      return parseAxe(state, json);
    },
  };
}

export function webkitTab(wk: WebKitBrowser): DemoTab {
  const run = <A, R>(fn: (arg: A) => R, arg: A): Promise<R> =>
    wk.execute(fn as (arg: unknown) => R, arg as unknown) as Promise<R>;
  return {
    engine: 'webkit',
    async goto(url) {
      await wk.url(url);
    },
    async resize({ width, height }) {
      await wk.setWindowSize(width, height);
    },
    async fill(selector, text) {
      await wk.$(selector).setValue(text);
    },
    async click(selector) {
      await wk.$(selector).click();
    },
    async press(key) {
      await wk.keys(key);
    },
    evaluate: run,
    async waitFor(what, fn, arg, timeoutMs = WAIT_MS) {
      await wk.waitUntil(async () => Boolean(await run(fn, arg)), {
        timeout: timeoutMs,
        interval: 100,
        timeoutMsg: `webkit: timed out after ${timeoutMs} ms waiting for ${what}`,
      });
    },
    async screenshot(path) {
      // A screenshot right after a change may predate it in WebKitGTK: let two frames pass first.
      await wk.executeAsync((done: () => void) => requestAnimationFrame(() => requestAnimationFrame(done)));
      await writeFile(path, Buffer.from(await wk.takeScreenshot(), 'base64'));
    },
    async axe(state) {
      await wk.execute(AXE_SOURCE);
      await wk.execute(INSTALL_RUNNER);
      const json = await wk.executeAsync(
        (tags: string[], done: (json: string) => void) => (window as unknown as Runner).runAxe(tags, done),
        [...AXE_TAGS],
      );
      return parseAxe(state, json);
    },
  };
}
