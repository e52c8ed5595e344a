import { firefox } from '@playwright/test';
import { FIREFOX } from '../src/browsers.js';
import { test as base } from '../src/fixtures.js';
import { TRANSPORTS } from '../src/scenario-types.js';
import {
  ChatUser,
  cuttable,
  type Demo,
  type DemoFixtures,
  type DemoWorkerFixtures,
  demoFixtures,
  expect,
  type NewTab,
  startDemo,
  tabs,
} from './chat-support.js';

/*
 * The demo chat, driven as people drive it: in Chromium and in Firefox (both Playwright projects), two people
 * in two browser contexts, and once across the two engines. WebKitGTK, driven over WebDriver, has its own
 * spec: chat-webkit.spec.ts.
 */

const test = base.extend<DemoFixtures & { newTab: NewTab }, DemoWorkerFixtures>({
  ...demoFixtures,
  newTab: async ({ browser }, use, info) => {
    const opened = tabs(browser);
    await use(opened.newTab);
    await opened.close(info);
  },
});

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/**
 * Two people in #general: presence, typing, messages both ways, a private message; then the server restarts
 * on the same port, both pages reconnect and re-subscribe on their own, say that the history was lost (the
 * new server numbers its messages afresh) and reload it, and the conversation goes on.
 */
async function converse(demo: Demo, alice: ChatUser, bob: ChatUser): Promise<void> {
  await alice.expectMembers([alice.name, bob.name].sort());
  await bob.expectMembers([alice.name, bob.name].sort());

  await bob.composer.fill('typing…');
  await expect(alice.page.getByText(`${bob.name} is typing…`)).toBeVisible();
  await bob.composer.fill('');
  await expect(alice.page.getByText(`${bob.name} is typing…`)).toBeHidden({ timeout: 10_000 });

  await alice.say('Hello <b>Bob</b>, markup stays text');
  await bob.expectMessage('Hello <b>Bob</b>, markup stays text');
  await expect(bob.messages.locator('b')).toHaveCount(0);
  await bob.say('Hi Alice!');
  await alice.expectMessage('Hi Alice!');

  // A private message: from the member list, into bob's private messages with an unread mark.
  await alice.members.getByRole('button', { name: bob.name }).click();
  await alice.say('just between us');
  const unread = bob.page
    .getByRole('list', { name: 'Private messages' })
    .getByRole('button', { name: /1 unread/ });
  await expect(unread).toBeVisible();
  await bob.open(`@${alice.name}`);
  await bob.expectMessage('just between us');
  await alice.open('#general');
  await bob.open('#general');

  // The restart: both see the banner while the server is away, then reconnect by themselves.
  await demo.stop();
  await expect(alice.banner).toContainText('Connection lost');
  await expect(bob.banner).toContainText('Connection lost');
  await expect(alice.banner).toContainText(/Reconnecting (in \d+ s|now)…/);
  await expect(alice.badge).toHaveAttribute('data-state', 'reconnecting');
  // Written while offline: shown at once as "sending", kept by the SDK's send(), sent after the reconnect.
  await alice.composer.fill('written while offline');
  await alice.composer.press('Enter');
  await expect(alice.message('written while offline')).toHaveAttribute('data-delivery', 'sending');
  await demo.start();
  for (const user of [alice, bob]) {
    await expect(user.badge).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    await expect(user.banner).toBeHidden();
  }
  // Presence came back from the re-made subscriptions alone: the new server knew nobody.
  await expect
    .poll(() => demo.server.chat.rooms.presence('general').users, { timeout: 10_000 })
    .toEqual([alice.name, bob.name].sort());
  await alice.expectMembers([alice.name, bob.name].sort());
  await expect(alice.message('written while offline')).toHaveAttribute('data-delivery', 'sent');
  await bob.expectMessage('written while offline');
  for (const user of [alice, bob]) {
    await expect(user.catchUp).toContainText('Back online');
    await expect(user.catchUp).toContainText('The server no longer had what you missed in #general');
    await expect(user.message('written while offline')).toHaveCount(1);
    // What was said before the restart is still on the page, once.
    await expect(user.message('Hi Alice!')).toHaveCount(1);
  }
  await alice.say('still there after the restart?');
  await bob.expectMessage('still there after the restart?');
  await bob.say('yes, same page, no reload');
  await alice.expectMessage('yes, same page, no reload');
}

test.describe('demo chat', () => {
  test.describe.configure({ timeout: 90_000 });

  test('two people in one engine: presence, typing, a private message, a server restart', async ({
    newTab,
    demo,
  }) => {
    const alice = await ChatUser.signIn(await newTab(), demo.url, 'alice');
    // Bob on a streaming transport, so the scenario also covers the reconnect of an HTTP session.
    const bob = await ChatUser.signIn(await newTab(), demo.url, 'bob', 'xhr-streaming');
    await expect(await bob.transport()).toContainText('XHR streaming');
    await converse(demo, alice, bob);
  });

  test('a cut while someone else posts: back online, the missed messages show once and the page says so', async ({
    newTab,
    demo,
  }) => {
    const page = await newTab();
    const network = await cuttable(page);
    // Forced WebSocket: the cut closes it, and no HTTP transport can take over meanwhile.
    const ann = await ChatUser.signIn(page, demo.url, 'ann', 'websocket');
    const ben = await ChatUser.signIn(await newTab(), demo.url, 'ben');
    await ann.expectMembers(['ann', 'ben']);
    await ben.say('before the cut');
    await ann.expectMessage('before the cut');

    await network.cut();
    await expect(ann.badge).toHaveAttribute('data-state', 'reconnecting');
    // The server let her go: ben posts to a room she is no longer subscribed to.
    await ben.expectMembers(['ben']);
    const missed = ['missed one', 'missed two', 'missed three'];
    for (const text of missed) await ben.say(text);
    // Hers, written during the cut, waits in send() and is not one of the missed.
    await ann.composer.fill('written during the cut');
    await ann.composer.press('Enter');
    await expect(ann.message('written during the cut')).toHaveAttribute('data-delivery', 'sending');
    await expect(ann.catchUp).toBeHidden();
    // "Retry now" restarts the client (its sends are rejected by deactivate() and made again): it keeps hers.
    await ann.banner.getByRole('button', { name: 'Retry now' }).click();

    network.restore();
    await expect(ann.badge).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    await expect(ann.catchUp).toHaveText(/Back online\. 3 missed messages recovered\./, { timeout: 15_000 });
    for (const text of [...missed, 'before the cut']) await expect(ann.message(text)).toHaveCount(1);
    // The messages alone: the list also holds the day's heading ("Today").
    await expect(ann.messages.locator('li.message')).toHaveText([
      /before the cut/,
      /missed one/,
      /missed two/,
      /missed three/,
      /written during the cut/,
    ]);
    await expect(ann.message('written during the cut')).toHaveAttribute('data-delivery', 'sent');
    await ben.expectMessage('written during the cut');
    await expect(ben.message('written during the cut')).toHaveCount(1);

    // Live again; the notice goes when dismissed.
    await ben.say('after the cut');
    await ann.expectMessage('after the cut');
    await ann.catchUp.getByRole('button', { name: 'Dismiss' }).click();
    await expect(ann.catchUp).toBeHidden();
  });

  // Tagged: only the Chromium project runs it (it opens Firefox itself), see playwright.config.ts.
  test('across engines: Alice in Chromium, Bob in Firefox @from-chromium', async ({ page, demo }) => {
    const other = await firefox.launch(FIREFOX);
    try {
      await page.setViewportSize(DESKTOP);
      const alice = await ChatUser.signIn(page, demo.url, 'alice');
      const context = await other.newContext({ viewport: DESKTOP });
      const bob = await ChatUser.signIn(await context.newPage(), demo.url, 'bob', 'eventsource');
      await converse(demo, alice, bob);
    } finally {
      await other.close();
    }
  });

  for (const transport of TRANSPORTS) {
    test(`forced ${transport}: the connection panel says so, and messages go both ways`, async ({
      newTab,
      demo,
    }) => {
      const ann = await ChatUser.signIn(await newTab(), demo.url, 'ann', transport);
      const panel = await ann.connectionPanel();
      await expect(panel.locator('#connection-rtt')).toHaveText(/^\d+ ms$/);
      await expect(panel.getByRole('combobox', { name: 'Transport' })).toHaveValue(transport);
      const ben = await ChatUser.signIn(await newTab(), demo.url, 'ben');
      await ben.say(`to ann over ${transport}`);
      await ann.expectMessage(`to ann over ${transport}`);
      await ann.say(`from ann over ${transport}`);
      await ben.expectMessage(`from ann over ${transport}`);
    });
  }

  test('switching transport from the selector reconnects with it, keeping the conversation', async ({
    newTab,
    demo,
  }) => {
    const ann = await ChatUser.signIn(await newTab(), demo.url, 'ann');
    const ben = await ChatUser.signIn(await newTab(), demo.url, 'ben');
    await ann.say('before the switch');
    const panel = await ann.connectionPanel();
    await panel.getByRole('combobox', { name: 'Transport' }).selectOption('xhr-polling');
    await expect(panel.locator('#connection-transport')).toContainText('XHR polling (forced)', {
      timeout: 15_000,
    });
    await expect(ann.message('before the switch')).toBeVisible();
    await ben.say('after the switch');
    await ann.expectMessage('after the switch');
  });

  test('a page from another origin: told it is refused and how to allow it, then let in by allowedOrigins', async ({
    newTab,
    demo,
    demoPage,
  }) => {
    // The page comes from `demo`; the chat server it talks to (?server=) is another one, on another port.
    const pageOrigin = new URL(demo.url).origin;
    const refusing = await startDemo(demoPage);
    try {
      const page = await newTab();
      await page.goto(`${demo.url}?server=${encodeURIComponent(refusing.url)}`);
      await page.getByLabel('Nickname').fill('carol');
      await page.getByLabel('Nickname').press('Enter');
      // The 403 carries CORS headers, so even across origins the page can tell a refusal from an outage.
      const banner = page.getByRole('alert').filter({ hasText: 'refused' });
      await expect(banner).toContainText(`refused this page's origin (${pageOrigin})`);
      await expect(banner).toContainText(`--allowed-origins ${pageOrigin}`);
    } finally {
      await refusing.close();
    }
    const allowing = await startDemo(demoPage, [pageOrigin]);
    try {
      const across = `${demo.url}?server=${encodeURIComponent(allowing.url)}`;
      const carol = await ChatUser.signIn(await newTab(), across, 'carol', 'xhr-streaming');
      const dave = await ChatUser.signIn(await newTab(), across, 'dave', 'eventsource');
      await carol.say('across origins');
      await dave.expectMessage('across origins');
      expect(allowing.server.chat.rooms.presence('general').users).toEqual(['carol', 'dave']);
    } finally {
      await allowing.close();
    }
  });

  test('a nickname in use is refused with a clear message', async ({ newTab, demo }) => {
    await ChatUser.signIn(await newTab(), demo.url, 'alice');
    const page = await newTab();
    await page.goto(demo.url);
    await page.getByLabel('Nickname').fill('Alice');
    await page.getByRole('button', { name: 'Join the chat' }).click();
    await expect(page.getByRole('alert')).toHaveText('The nickname "Alice" is in use. Pick another one.');
    await expect(page.getByLabel('Nickname')).toBeFocused();
  });

  test('screenshots at desktop and phone width', async ({ newTab, demo }, testInfo) => {
    const alice = await ChatUser.signIn(await newTab(DESKTOP), demo.url, 'alice');
    const bob = await ChatUser.signIn(await newTab(PHONE), demo.url, 'bob', 'xhr-polling');
    await alice.say('Welcome to #general! This demo runs STOMP over SockJS.');
    await bob.say(`A long one, to see it wrap: ${'all work and no play '.repeat(12).trim()}.`);
    await alice.expectMembers(['alice', 'bob']);
    await bob.composer.fill('typing on a phone');
    await expect(alice.page.getByText('bob is typing…')).toBeVisible();
    await alice.expectMessage('A long one');
    for (const [user, name] of [
      [alice, 'desktop-1280x800'],
      [bob, 'phone-390x844'],
    ] as const) {
      const path = testInfo.outputPath(`chat-${name}.png`);
      await user.page.screenshot({ path });
      await testInfo.attach(`chat-${name}`, { path, contentType: 'image/png' });
    }
    // Nothing may stick out sideways on a phone.
    const overflow = await bob.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
