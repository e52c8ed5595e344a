import { writeFile } from 'node:fs/promises';
import { chromium } from '@playwright/test';
import { CHROMIUM } from '../src/browsers.js';
import { test as base } from '../src/fixtures.js';
import type { WebKitBrowser } from '../src/webkit.js';
import {
  ChatUser,
  type DemoFixtures,
  type DemoWorkerFixtures,
  demoFixtures,
  expect,
} from './chat-support.js';

/*
 * The demo chat with one person in WebKitGTK (MiniBrowser, driven over WebDriver by the webkit project) and the
 * other in Chromium (Playwright): presence, typing, messages both ways, a private message, and a server
 * restart that both pages ride out without a reload. WebDriver's element commands play the person here.
 */

const test = base.extend<DemoFixtures, DemoWorkerFixtures>(demoFixtures);
const WAIT = { timeout: 15_000 };

/** Alice in MiniBrowser. XPath selectors find a bubble by its text; the texts below hold no quotes. */
class WebKitUser {
  readonly name: string;
  private readonly wk: WebKitBrowser;

  constructor(wk: WebKitBrowser, name: string) {
    this.wk = wk;
    this.name = name;
  }

  async signIn(url: string): Promise<void> {
    // The session's storage outlives a test: forget the nickname a previous test signed in with.
    await this.wk.url(url);
    await this.wk.execute(() => localStorage.clear());
    await this.wk.url(url);
    await this.wk.$('#nickname').setValue(this.name);
    await this.wk.$('#login-form button[type="submit"]').click();
    await this.wk.$('#badge[data-state="connected"]').waitForExist(WAIT);
  }

  async say(text: string): Promise<void> {
    await this.wk.$('#message').setValue(text);
    await this.wk.keys('Enter');
    await this.wk
      .$(`//ol[@id="messages"]/li[@data-delivery="sent"][contains(., "${text}")]`)
      .waitForExist(WAIT);
  }

  async expectMessage(text: string): Promise<void> {
    await this.wk.$(`//ol[@id="messages"]/li[contains(., "${text}")]`).waitForExist(WAIT);
  }

  async expectMembers(names: readonly string[]): Promise<void> {
    await this.wk.waitUntil(
      async () => {
        const shown = await this.wk.execute(() =>
          [...document.querySelectorAll('#member-list .member-name')].map((name) => name.textContent ?? ''),
        );
        return shown.join(',') === names.map((n) => (n === this.name ? `${n} (you)` : n)).join(',');
      },
      { ...WAIT, timeoutMsg: `the member list never became ${names.join(', ')}` },
    );
  }

  async state(state: string): Promise<void> {
    await this.wk.$(`#badge[data-state="${state}"]`).waitForExist({ timeout: 20_000 });
  }

  async screenshot(path: string): Promise<void> {
    // A screenshot taken right after a change may predate it in WebKitGTK: let two frames pass first.
    await this.wk.executeAsync((done: () => void) =>
      requestAnimationFrame(() => requestAnimationFrame(done)),
    );
    await writeFile(path, Buffer.from(await this.wk.takeScreenshot(), 'base64'));
  }
}

test.describe('demo chat in WebKit', { tag: '@webdriver' }, () => {
  test.describe.configure({ timeout: 90_000 });

  test('Alice in WebKitGTK, Bob in Chromium: presence, typing, a private message, a server restart', async ({
    webkit,
    demo,
  }, info) => {
    const wk = webkit.browser;
    await wk.setWindowSize(1280, 800).catch(() => undefined);
    const other = await chromium.launch(CHROMIUM);
    const alice = new WebKitUser(wk, 'alice');
    try {
      await alice.signIn(demo.url);
      const page = await (await other.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      const bob = await ChatUser.signIn(page, demo.url, 'bob', 'xhr-polling');
      await alice.expectMembers(['alice', 'bob']);
      await bob.expectMembers(['alice', 'bob']);

      await wk.$('#message').setValue('typing in WebKit');
      await expect(bob.page.getByText('alice is typing…')).toBeVisible();
      await alice.say('Hello from WebKit');
      await bob.expectMessage('Hello from WebKit');
      await bob.say('Hello from Chromium');
      await alice.expectMessage('Hello from Chromium');

      await bob.members.getByRole('button', { name: 'alice' }).click();
      await bob.say('a private word');
      await wk.$('#dm-list button[data-key="@bob"]').waitForExist(WAIT);
      await wk.$('#dm-list button[data-key="@bob"]').click();
      await alice.expectMessage('a private word');
      await wk.$('#room-list button[data-key="#general"]').click();
      await bob.open('#general');

      await demo.stop();
      await alice.state('reconnecting');
      expect(await wk.$('#banner').isDisplayed()).toBe(true);
      await demo.start();
      await alice.state('connected');
      await expect(bob.badge).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
      await alice.expectMembers(['alice', 'bob']);
      await alice.say('WebKit after the restart');
      await bob.expectMessage('WebKit after the restart');
      await bob.say('Chromium after the restart');
      await alice.expectMessage('Chromium after the restart');

      const path = info.outputPath('chat-webkit.png');
      await alice.screenshot(path);
      await info.attach('chat-webkit', { path, contentType: 'image/png' });
    } catch (error) {
      await alice.screenshot(info.outputPath('webkit-failure.png')).catch(() => undefined);
      throw error;
    } finally {
      await other.close();
      // Leave the page, so that its sockets close before the next test of this worker.
      await wk.url('about:blank');
    }
  });
});
