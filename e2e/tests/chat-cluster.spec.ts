import type { Browser, Page } from '@playwright/test';
import { test as base } from '../src/fixtures.js';
import { buildServer, type DemoCluster, removeDir, startDemoCluster } from './chat-cluster-support.js';
import {
  ChatUser,
  type DemoWorkerFixtures,
  demoFixtures,
  expect,
  type NewTab,
  tabs,
} from './chat-support.js';

/*
 * The demo chat on three nodes (Redis broker, Redis session bus, chat state in Redis) behind HAProxy doing
 * plain round robin with no stickiness. Bob is forced onto xhr-polling, so his requests really spread over the
 * nodes; Alice and Carol use WebSocket. One node is SIGKILLed: the pages it served reconnect through the
 * balancer, their subscriptions work again, and presence loses the ghost of a user who did not come back.
 * Chromium only (tagged, not skipped, like chat.spec.ts's cross-engine test).
 */

const test = base.extend<
  { cluster: DemoCluster; newTab: NewTab },
  DemoWorkerFixtures & { demoServer: string }
>({
  demoPage: demoFixtures.demoPage,
  demoServer: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern.
    async ({}, use) => {
      const dir = buildServer();
      await use(dir);
      removeDir(dir);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  cluster: async ({ demoServer, demoPage }, use) => {
    const cluster = await startDemoCluster(demoServer, demoPage);
    await use(cluster);
    await cluster.close();
  },
  newTab: async ({ browser }, use, info) => {
    const opened = tabs(browser);
    await use(opened.newTab);
    await opened.close(info);
  },
});

/** Records every change of the connection badge with its time, so the reconnect can be timed afterwards. */
async function watchBadge(page: Page): Promise<void> {
  await page.evaluate(() => {
    const badge = document.querySelector('#badge');
    const log: [number, string][] = [];
    (window as unknown as { badgeLog: [number, string][] }).badgeLog = log;
    new MutationObserver(() => log.push([Date.now(), badge?.getAttribute('data-state') ?? ''])).observe(
      badge as Node,
      { attributes: true, attributeFilter: ['data-state'] },
    );
  });
}

function badgeLog(page: Page): Promise<[number, string][]> {
  return page.evaluate(() => (window as unknown as { badgeLog: [number, string][] }).badgeLog);
}

/** A tab in a browser context of its own (another person, with its own stored key and nickname). */
async function newPerson(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return context.newPage();
}

/**
 * Signs `name` in over WebSocket until its session lands on `node` (round robin decides where a WebSocket
 * goes, so this takes a few tries), each time as a new person: the previous one's context is closed first, and
 * its WebSocket close ends its session, which frees the nickname.
 */
async function signInOn(
  browser: Browser,
  cluster: DemoCluster,
  name: string,
  node: string,
): Promise<ChatUser> {
  for (let attempt = 1; ; attempt++) {
    const page = await newPerson(browser);
    const user = await ChatUser.signIn(page, cluster.url, name, 'websocket');
    await expect.poll(() => cluster.sessionsOf(name)).toHaveLength(1);
    if (cluster.sessionsOf(name)[0] === node) return user;
    if (attempt === 20) throw new Error(`${name} never landed on ${node}`);
    await page.context().close();
    await expect.poll(() => cluster.sessionsOf(name)).toHaveLength(0);
  }
}

test('three nodes behind round robin: chat, presence, a private message, then a node is killed @from-chromium', async ({
  cluster,
  newTab,
  browser,
}, info) => {
  test.setTimeout(180_000);
  // Bob on xhr-polling: every poll and send is balanced on its own, and his session lives on one node.
  const bob = await ChatUser.signIn(await newTab(), cluster.url, 'bob', 'xhr-polling');
  await expect.poll(() => cluster.sessionsOf('bob')).toHaveLength(1);
  const victim = cluster.sessionsOf('bob')[0] ?? '';
  // Alice and Carol on the node that will die, so every user there has something to recover from.
  const alice = await signInOn(browser, cluster, 'alice', victim);
  const carol = await signInOn(browser, cluster, 'carol', victim);
  const carolPage = carol.page;

  for (const user of [alice, bob, carol]) await user.expectMembers(['alice', 'bob', 'carol']);
  await alice.say('hello from alice');
  await bob.expectMessage('hello from alice');
  await carol.expectMessage('hello from alice');
  await bob.say('hello from bob');
  await alice.expectMessage('hello from bob');

  // A private message across the cluster.
  await alice.members.getByRole('button', { name: 'bob' }).click();
  await alice.say('just between us');
  await bob.open('@alice');
  await bob.expectMessage('just between us');
  await alice.open('#general');
  await bob.open('#general');

  // Carol loses her network just before her node dies: she cannot come back, so she must leave presence.
  await carolPage.context().setOffline(true);
  for (const user of [alice, bob]) await watchBadge(user.page);
  const killedAt = Date.now();
  await cluster.kill(victim);

  // Both pages notice and reconnect through the balancer to the survivors.
  const reconnectMs: Record<string, number> = {};
  for (const user of [alice, bob]) {
    await expect
      .poll(
        async () => {
          const log = await badgeLog(user.page);
          const lost = log.findIndex(([, state]) => state !== 'connected');
          const back = log.slice(lost + 1).find(([, state]) => state === 'connected');
          return lost >= 0 && back !== undefined ? back[0] : undefined;
        },
        { timeout: 30_000 },
      )
      .toBeDefined();
    const log = await badgeLog(user.page);
    const lost = log.findIndex(([, state]) => state !== 'connected');
    const back = log.slice(lost + 1).find(([, state]) => state === 'connected');
    reconnectMs[user.name] = (back?.[0] ?? Number.NaN) - killedAt;
  }
  const line = `reconnect after SIGKILL of ${victim}: alice (websocket) ${reconnectMs.alice} ms, bob (xhr-polling) ${reconnectMs.bob} ms`;
  console.log(line);
  for (const user of [alice, bob]) {
    const steps = (await badgeLog(user.page)).map(([at, state]) => `${state} +${at - killedAt} ms`);
    console.log(`  ${user.name}: ${steps.join(', ')}`);
  }
  info.annotations.push({ type: 'reconnect', description: line });
  for (const user of [alice, bob]) await expect(user.badge).toHaveAttribute('data-state', 'connected');
  // The survivors sweep the dead node's entries on their own schedule: wait for it rather than race it.
  await expect.poll(() => cluster.sessionsOf('alice')).not.toContain(victim);
  await expect.poll(() => cluster.sessionsOf('bob')).not.toContain(victim);

  // Presence: Carol's entries on the dead node are swept by a survivor; no ghost.
  for (const user of [alice, bob]) await user.expectMembers(['alice', 'bob']);
  expect(cluster.sessionsOf('carol')).toEqual([]);

  // The re-made subscriptions work: room messages both ways and a private message.
  await alice.say('after the node loss');
  await bob.expectMessage('after the node loss');
  await bob.say('still here');
  await alice.expectMessage('still here');
  await bob.members.getByRole('button', { name: 'alice' }).click();
  await bob.say('private, after the node loss');
  await alice.open('@bob');
  await alice.expectMessage('private, after the node loss');

  await Promise.all([alice.page.context().close(), carolPage.context().close()]);
});
