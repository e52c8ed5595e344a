import { writeFile } from 'node:fs/promises';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
  type TestInfo,
  type ViewportSize,
} from '@playwright/test';
import { type InboundInterceptor, StompRejection } from '@sockwire/server';
import { type AxeReport, blocking, describeViolations } from '../src/axe.js';
import { CHROMIUM } from '../src/browsers.js';
import { type DemoTab, playwrightTab, webkitTab } from '../src/demo-tab.js';
import { test as base } from '../src/fixtures.js';
import {
  ChatUser,
  type Demo,
  type DemoWorkerFixtures,
  demoFixtures,
  expect,
  startDemo,
} from './chat-support.js';
import {
  apart,
  bannerKind,
  messageIn,
  setHidden,
  signIn,
  snapshot,
  state,
  visible,
} from './demo-product-support.js';

/*
 * The demo chat as a person meets it, state by state, in Chromium, Firefox (Playwright) and WebKitGTK
 * (WebDriver), at a phone's width and a desktop's: the sign-in form; the chat with avatars and day headings;
 * unread messages behind a "New messages" line while the tab was hidden; the connection panel; a message the
 * server refused, then retried; the connection lost (the banner pushes the page down, presence turns unknown,
 * a message waits); back online; and a page that never reached the server. Each state is photographed as
 * `demo-<state>-<width>-<engine>.png` in the test's output folder, and the states a person spends time in are
 * checked by axe-core (no serious or critical violation; the full reports are attached as
 * `axe-<width>-<engine>.json`).
 *
 * Alice is the person under test, in the project's engine; Bob and Mary-Jane talk to her from Playwright tabs
 * (the project's browser, or Chromium for the WebKit project).
 */

const PHONE: ViewportSize = { width: 390, height: 844 };
const DESKTOP: ViewportSize = { width: 1280, height: 800 };

/** The server's clock: set back to yesterday noon for the first messages, so the list has two days. */
class Clock {
  private offset = 0;
  readonly now = () => Date.now() + this.offset;
  yesterdayNoon(): void {
    const noon = new Date();
    noon.setDate(noon.getDate() - 1);
    noon.setHours(12, 0, 0, 0);
    this.offset = noon.getTime() - Date.now();
  }
  today(): void {
    this.offset = 0;
  }
}

/** Text in a message that makes the server refuse its first SEND (the retry, with the same key, goes through). */
const REFUSE = 'refuse this one';

/** A STOMP interceptor: the first SEND of a message containing REFUSE is rejected (an ERROR naming its receipt). */
function refuseOnce(): InboundInterceptor {
  const refused = new Set<string>();
  return (frame) => {
    if (frame.command !== 'SEND' || !frame.body.includes(REFUSE)) return undefined;
    const key = frame.headers.find(([name]) => name === 'x-idempotency-key')?.[1] ?? '';
    if (refused.has(key)) return undefined;
    refused.add(key);
    throw new StompRejection('This message was refused by the test server.');
  };
}

interface ProductDemo {
  readonly demo: Demo;
  readonly clock: Clock;
}

const test = base.extend<{ product: ProductDemo }, DemoWorkerFixtures>({
  demoPage: demoFixtures.demoPage,
  product: async ({ demoPage }, use) => {
    const clock = new Clock();
    const demo = await startDemo(demoPage, undefined, {
      now: clock.now,
      stomp: { interceptors: { inbound: [refuseOnce()] } },
    });
    await use({ demo, clock });
    await demo.close();
  },
});

/** Photographs and accessibility checks of one walk, named after the width and the engine. */
class Record {
  readonly reports: AxeReport[] = [];
  /** The page's real size: MiniBrowser's window cannot be made narrower than about 450 px. */
  viewport = '';

  constructor(
    private readonly tab: DemoTab,
    private readonly info: TestInfo,
    private readonly width: number,
  ) {}

  async screenshot(state: string): Promise<void> {
    const name = `demo-${state}-${this.width}-${this.tab.engine}.png`;
    const path = this.info.outputPath(name);
    await this.tab.screenshot(path);
    await this.info.attach(name, { path, contentType: 'image/png' });
  }

  /** Photographs the state and checks it with axe: no serious or critical violation. */
  async check(state: string): Promise<void> {
    await this.screenshot(state);
    const report = await this.tab.axe(state);
    this.reports.push(report);
    expect(report.passes, `axe ran no rule on ${state}`).toBeGreaterThan(0);
    const serious = blocking(report);
    expect(
      serious,
      `axe on ${state} (${this.tab.engine}, ${this.width}px):\n${describeViolations(serious)}`,
    ).toEqual([]);
  }

  async attachReports(): Promise<void> {
    const name = `axe-${this.width}-${this.tab.engine}.json`;
    const path = this.info.outputPath(name);
    const report = { engine: this.tab.engine, viewport: this.viewport, states: this.reports };
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    await this.info.attach(name, { path, contentType: 'application/json' });
  }
}

/** The walk, the same in every engine. `newTab` opens a tab of a Playwright browser for the others. */
async function walk(
  tab: DemoTab,
  size: ViewportSize,
  product: ProductDemo,
  newTab: (viewport: ViewportSize) => Promise<Page>,
  info: TestInfo,
): Promise<void> {
  const { demo, clock } = product;
  const record = new Record(tab, info, size.width);
  const phone = size.width < 720;
  try {
    // 1. Sign-in: the transport choice is folded away under "Connection settings".
    await tab.goto(demo.url);
    await tab.waitFor('the sign-in form', visible, '#nickname');
    const inner = await tab.evaluate(() => [window.innerWidth, window.innerHeight], null);
    record.viewport = inner.join('×');
    info.annotations.push({ type: 'viewport', description: `${tab.engine}: ${record.viewport}` });
    // The phone layout (one column, rooms in a drawer) below 720 px; the three columns from 1000 px.
    expect(phone ? (inner[0] ?? 0) <= 720 : (inner[0] ?? 0) >= 1000).toBe(true);
    expect(await tab.evaluate(visible, '#login-transport')).toBe(false);
    await record.check('login');

    // 2. Yesterday Bob asked; today Alice comes in, answers, and Mary-Jane joins in.
    clock.yesterdayNoon();
    const bob = await ChatUser.signIn(await newTab(DESKTOP), demo.url, 'bob');
    await bob.say('Morning! Is anyone around?');
    await signIn(tab, 'alice');
    await tab.waitFor('connected', state, 'connected');
    await tab.waitFor('yesterday’s message', messageIn, ['Morning! Is anyone around?', '']);
    clock.today();
    await tab.fill('#message', 'Hi Bob, I am here now. Sorry, I was offline yesterday.');
    await tab.press('Enter');
    await tab.waitFor('alice’s message sent', messageIn, ['I am here now', 'sent']);
    const mary = await ChatUser.signIn(await newTab(DESKTOP), demo.url, 'mary-jane');
    await mary.say('Hello both! The release notes are in #general’s pinned doc.');
    await bob.say(`Great. A long one, to see it wrap: ${'all work and no play '.repeat(8).trim()}.`);
    await tab.waitFor('bob’s long message', messageIn, ['A long one', '']);
    await tab.waitFor('three people', () => document.querySelectorAll('#member-list li').length === 3, null);

    let page = await tab.evaluate(snapshot, null);
    expect(page.days).toEqual(['Yesterday', 'Today']);
    expect(page.avatars).toEqual(['B', 'MJ', 'B']);
    expect(page.meName).toBe('alice');
    expect(page.meInitials).toBe('A');
    // The top bar keeps the app and the user, side by side with the connection's button, on a phone too.
    expect(page.brand).not.toBeNull();
    expect(page.me).not.toBeNull();
    expect(apart(page.brand, page.status)).toBe(true);
    expect(apart(page.status, page.me)).toBe(true);
    expect(page.me?.right ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(page.innerWidth);
    expect(page.transportVisible).toBe(false);
    expect(page.overflow).toBeLessThanOrEqual(0);
    expect(page.presence).toEqual(['online: online', 'online: online', 'online: online']);
    await record.check('chat');

    // 3. The tab goes to the background; Bob writes twice: the title counts them, and back on the tab a
    // "New messages" line sits above the first.
    await tab.evaluate(setHidden, true);
    await bob.say('Are you still there?');
    await bob.say('Lunch at one?');
    await tab.waitFor('the unread count in the title', (t) => document.title === t, '(2) Sockwire chat');
    await tab.evaluate(setHidden, false);
    await tab.waitFor('the title without unread', (t) => document.title === t, 'Sockwire chat');
    page = await tab.evaluate(snapshot, null);
    expect(page.rows.slice(-3)).toEqual(['--- New messages ---', 'Are you still there?', 'Lunch at one?']);
    await record.screenshot('unread');

    // 4. The connection panel: what developers want to see, behind the top bar's button.
    await tab.click('#badge');
    await tab.waitFor('the connection panel', visible, '#connection-panel');
    await tab.waitFor(
      'a round trip',
      () => /^\d+ ms$/.test(document.querySelector('#connection-rtt')?.textContent ?? ''),
      null,
    );
    expect(await tab.evaluate((s) => document.querySelector(s)?.textContent, '#connection-transport')).toBe(
      'WebSocket (chosen automatically)',
    );
    await record.check('panel');
    await tab.press('Escape');
    await tab.waitFor(
      'the panel closed',
      (s) => document.querySelector<HTMLElement>(s)?.hidden === true,
      '#connection-panel',
    );
    expect(await tab.evaluate(() => document.activeElement?.id, null)).toBe('badge');

    // 5. A message the server refuses: "Not sent" with Retry; the retry (same idempotency key) goes through.
    const refused = `Please ${REFUSE}, server`;
    await tab.fill('#message', refused);
    await tab.press('Enter');
    await tab.waitFor('the refused message failed', messageIn, [refused, 'failed']);
    // The ERROR that refused it also closed the connection: the page is back by itself.
    await tab.waitFor('connected again', state, 'connected', 20_000);
    expect(await tab.evaluate(visible, '#messages li[data-delivery="failed"] button.retry')).toBe(true);
    await record.check('failed');
    // "Back online" goes away by itself after a few seconds, moving the page: dismiss it before aiming.
    if (await tab.evaluate(visible, '#catch-up')) await tab.click('#catch-up-close');
    await tab.waitFor(
      '"Back online" dismissed',
      (id) => document.getElementById(id)?.hidden === true,
      'catch-up',
    );
    await tab.click('#messages li[data-delivery="failed"] button.retry');
    await tab.waitFor('the retried message sent', messageIn, [refused, 'sent']);
    await bob.expectMessage(refused);
    await expect(bob.message(refused)).toHaveCount(1);

    // 6. The server goes away: the banner pushes the page down (the room's title and Leave stay in view and
    // clickable), says it in plain words with a countdown, presence becomes unknown, and a message waits.
    await demo.stop();
    await tab.waitFor('"Connection lost"', bannerKind, 'connection-lost');
    await tab.fill('#message', 'Written while offline: sent when we are back.');
    await tab.press('Enter');
    await tab.waitFor('the offline message waiting', messageIn, ['Written while offline', 'sending']);
    await tab.waitFor(
      'its "Waiting for the connection…" shown',
      () =>
        [...document.querySelectorAll<HTMLElement>('li[data-delivery="sending"] .delivery-text')].some(
          (e) =>
            e.textContent === 'Waiting for the connection…' && getComputedStyle(e).visibility === 'visible',
        ),
      null,
    );
    page = await tab.evaluate(snapshot, null);
    expect(page.bannerText).toContain('Connection lost');
    expect(page.bannerText).toContain('The chat server went away');
    expect(page.bannerText).not.toMatch(/Going away|1001|code/);
    expect(page.countdown).toMatch(/^Reconnecting (in \d+ s|now)…$/);
    expect(page.banner).not.toBeNull();
    expect(page.header).not.toBeNull();
    expect(page.banner?.bottom ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(
      (page.header?.top ?? 0) + 0.5,
    );
    expect(page.titleReachable).toBe(true);
    expect(page.leaveReachable).toBe(true);
    expect(page.composerReachable).toBe(true);
    expect(page.presence).toEqual(Array(3).fill('unknown: status unknown while you are offline'));
    if (!phone) expect(await tab.evaluate(visible, '#people-stale')).toBe(true);
    await record.check('offline');

    // 7. Back: "Back online" (and what was recovered), the waiting message sent, presence live again.
    await demo.start();
    await tab.waitFor('connected after the restart', state, 'connected', 20_000);
    await tab.waitFor(
      '"Back online"',
      () => (document.querySelector('#catch-up-text')?.textContent ?? '').startsWith('Back online'),
      null,
    );
    await tab.waitFor('the offline message sent', messageIn, ['Written while offline', 'sent']);
    await tab.waitFor(
      'presence live',
      () => document.querySelector('#member-list .presence-dot')?.getAttribute('data-presence') === 'online',
      null,
    );
    page = await tab.evaluate(snapshot, null);
    expect(page.banner).toBeNull();
    await record.screenshot('back-online');
    await bob.expectMessage('Written while offline');

    // 8. A page that never reached the server says so, rather than "connection lost".
    await tab.evaluate(() => localStorage.clear(), null);
    await tab.goto(demo.url);
    await tab.waitFor('the sign-in form', visible, '#nickname');
    await demo.stop();
    await signIn(tab, 'nina');
    await tab.waitFor('"Can\'t reach the chat server"', bannerKind, 'never-connected');
    page = await tab.evaluate(snapshot, null);
    expect(page.bannerText).toContain("Can't reach the chat server");
    expect(page.bannerText).not.toContain('Connection lost');
    expect(page.countdown).toMatch(/^Retrying (in \d+ s|now)…$/);
    await record.check('never-connected');
    await demo.start();
    await tab.waitFor('connected at last', state, 'connected', 20_000);
    page = await tab.evaluate(snapshot, null);
    // Never online before: nothing is "back".
    expect(page.banner).toBeNull();
    expect(page.catchUp).toBe('');
  } finally {
    await record.attachReports();
  }
}

const SIZES = [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const;

test.describe('the demo as a product', () => {
  test.describe.configure({ timeout: 120_000 });

  test.describe('via Playwright', { tag: '@playwright' }, () => {
    for (const [label, size] of SIZES) {
      test(`every state at ${label} width (${size.width}×${size.height}): screenshots and axe`, async ({
        browser,
        browserName,
        product,
      }, info) => {
        const contexts: BrowserContext[] = [];
        const newTab = async (viewport: ViewportSize) => {
          const context = await browser.newContext({ viewport });
          contexts.push(context);
          return context.newPage();
        };
        const page = await newTab(size);
        try {
          await walk(playwrightTab(browserName, page), size, product, newTab, info);
        } catch (error) {
          await page.screenshot({ path: info.outputPath('failure.png') }).catch(() => undefined);
          throw error;
        } finally {
          for (const context of contexts) await context.close();
        }
      });
    }
  });

  test.describe('via WebDriver', { tag: '@webdriver' }, () => {
    for (const [label, size] of SIZES) {
      test(`every state at ${label} width (${size.width}×${size.height}): screenshots and axe`, async ({
        webkit,
        product,
      }, info) => {
        const wk = webkit.browser;
        let others: Browser | undefined;
        const newTab = async (viewport: ViewportSize) => {
          others ??= await chromium.launch(CHROMIUM);
          return (await others.newContext({ viewport })).newPage();
        };
        const tab = webkitTab(wk);
        try {
          // The session's storage outlives a test: start signed out.
          await wk.url(product.demo.url);
          await wk.execute(() => localStorage.clear());
          await tab.resize(size);
          await walk(tab, size, product, newTab, info);
        } catch (error) {
          await tab.screenshot(info.outputPath('webkit-failure.png')).catch(() => undefined);
          throw error;
        } finally {
          await others?.close();
          await wk.url('about:blank');
        }
      });
    }
  });
});
