import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  type BrowserContext,
  expect,
  type Fixtures,
  type Locator,
  type Page,
  type TestInfo,
  type ViewportSize,
  type WebSocketRoute,
} from '@playwright/test';
import type { ChatBrokerOptions } from '../../demo/server/chat-broker.js';
import { type ChatServer, startChatServer } from '../../demo/server/chat-server.js';

/*
 * The demo chat under test: its page built once per worker (into a folder of its own, so parallel workers and
 * concurrent runs never share one), its server started per test on port 0 and restartable on the same port,
 * and `ChatUser`, one person driving the page the way a person does (labels, roles, the keyboard). The
 * fixtures that use these are declared in chat.spec.ts.
 */

const demoDir = fileURLToPath(new URL('../../demo/', import.meta.url));

/** Runs the demo's own build script with `args`; throws with its output, naming `what`, when it fails. */
export function buildDemo(args: readonly string[], what: string): void {
  const result = spawnSync(process.execPath, [join(demoDir, 'scripts', 'build.mjs'), ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`${what} did not build (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Builds the page with the demo's own build script (Vite); returns the folder. */
export function buildPage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockwire-chat-page-'));
  buildDemo(['--page-out', dir], 'the demo page');
  return dir;
}

export interface Demo {
  readonly url: string;
  readonly server: ChatServer;
  /** Stops the server (every session gets 1001 Going away), without starting it again. */
  stop(): Promise<void>;
  /** Starts it again on the same port: a new process would look the same to the pages (state is in memory). */
  start(): Promise<void>;
}

/**
 * The demo server on a free port, restartable on that same port. `chat`: options of the chat broker (a clock,
 * STOMP interceptors), kept across restarts.
 */
export async function startDemo(
  staticDir: string,
  allowedOrigins?: readonly string[],
  chat?: ChatBrokerOptions,
): Promise<Demo & { close(): Promise<void> }> {
  const options = {
    staticDir,
    ...(allowedOrigins === undefined ? {} : { allowedOrigins: [...allowedOrigins] }),
    ...(chat === undefined ? {} : { chat }),
  };
  let server: ChatServer | undefined = await startChatServer({ port: 0, ...options });
  const port = server.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    get server() {
      if (server === undefined) throw new Error('the demo server is stopped');
      return server;
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      server = await startChatServer({ port, ...options });
    },
    async close() {
      await server?.close();
      server = undefined;
    },
  };
}

/** A tab in a context of its own (its own storage: another person), in the project's browser. */
export type NewTab = (viewport?: ViewportSize) => Promise<Page>;

/** Tabs for one test, closed after it; a failing test gets a screenshot of each (Playwright's own covers only `page`). */
export function tabs(browser: Browser): { newTab: NewTab; close(info: TestInfo): Promise<void> } {
  const contexts: BrowserContext[] = [];
  return {
    async newTab(viewport = { width: 1280, height: 800 }) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      return context.newPage();
    },
    async close(info) {
      const failed = info.status !== info.expectedStatus;
      for (const [index, context] of contexts.entries()) {
        const page = context.pages()[0];
        if (failed && page !== undefined) {
          const path = info.outputPath(`tab-${index + 1}-failure.png`);
          await page.screenshot({ path }).catch(() => undefined);
          await info
            .attach(`tab-${index + 1}-failure`, { path, contentType: 'image/png' })
            .catch(() => undefined);
        }
        await context.close();
      }
    },
  };
}

/**
 * The fixtures of the chat specs: `demoPage` (the built page, per worker) and `demo` (the server, per test).
 * Specs add them with `base.extend<DemoFixtures, DemoWorkerFixtures>(demoFixtures)`.
 */
export type DemoFixtures = { demo: Demo };
export type DemoWorkerFixtures = { demoPage: string };
export const demoFixtures: Fixtures<DemoFixtures, DemoWorkerFixtures> = {
  demoPage: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern.
    async ({}, use) => {
      const dir = buildPage();
      await use(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  demo: async ({ demoPage }, use) => {
    const demo = await startDemo(demoPage);
    await use(demo);
    await demo.close();
  },
};

export { expect };

/** A page's network cut and restored by the test while the server stays up (`cuttable`). */
export interface Cut {
  /** Closes the page's WebSocket (and its server side), and refuses new ones until `restore()`. */
  cut(): Promise<void>;
  restore(): void;
}

/**
 * Routes the page's SockJS WebSockets through the test, so that it can cut them. Call it before the page
 * connects, and force the websocket transport (the HTTP transports would get through a cut).
 */
export async function cuttable(page: Page): Promise<Cut> {
  let blocked = false;
  const open = new Map<WebSocketRoute, WebSocketRoute>();
  await page.routeWebSocket(/\/stomp\/.+\/websocket$/, async (ws) => {
    if (blocked) {
      await ws.close({ code: 4000, reason: 'cut by the test' });
      return;
    }
    open.set(ws, ws.connectToServer());
  });
  return {
    async cut() {
      blocked = true;
      for (const [inPage, server] of open) {
        await inPage.close({ code: 4000, reason: 'cut by the test' });
        await server.close({ code: 4000, reason: 'cut by the test' });
      }
      open.clear();
    },
    restore() {
      blocked = false;
    },
  };
}

/** One person in the chat, in one tab. */
export class ChatUser {
  readonly page: Page;
  readonly name: string;

  private constructor(page: Page, name: string) {
    this.page = page;
    this.name = name;
  }

  /** Opens the page, signs in, and waits until connected (on `transport`, when forced). */
  static async signIn(page: Page, url: string, name: string, transport?: string): Promise<ChatUser> {
    const target = new URL(url);
    if (transport !== undefined) target.searchParams.set('transport', transport);
    await page.goto(target.href);
    await page.getByLabel('Nickname').fill(name);
    await page.getByLabel('Nickname').press('Enter');
    const user = new ChatUser(page, name);
    await expect(user.badge).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
    return user;
  }

  /** The connection's button in the top bar; its `data-state` is the connection's state. */
  get badge(): Locator {
    return this.page.locator('#badge');
  }

  /** The banner between the top bar and the page: "Connection lost", "Can't reach the chat server"... */
  get banner(): Locator {
    return this.page.locator('#banner');
  }

  /** Opens the connection panel (developer details and the transport selector) from the top bar. */
  async connectionPanel(): Promise<Locator> {
    const panel = this.page.getByRole('region', { name: 'Connection' });
    if (!(await panel.isVisible()))
      await this.page.getByRole('button', { name: /connection details/ }).click();
    await expect(panel).toBeVisible();
    return panel;
  }

  /** The transport in use, as the connection panel shows it ("WebSocket (chosen automatically)"). */
  async transport(): Promise<Locator> {
    return (await this.connectionPanel()).locator('#connection-transport');
  }

  /** "Back online", and what the reconnect recovered ("3 missed messages recovered"). */
  get catchUp(): Locator {
    return this.page.locator('#catch-up');
  }

  get composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message' });
  }

  get members(): Locator {
    return this.page.getByRole('list', { name: /^In #/ });
  }

  get messages(): Locator {
    return this.page.getByRole('log');
  }

  /** The message bubble whose text contains `text`. */
  message(text: string): Locator {
    return this.messages.getByRole('listitem').filter({ hasText: text });
  }

  /** Sends a message in the open conversation and waits for the server's receipt (the ✓). */
  async say(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press('Enter');
    await expect(this.message(text)).toHaveAttribute('data-delivery', 'sent', { timeout: 15_000 });
  }

  async expectMessage(text: string): Promise<void> {
    await expect(this.message(text)).toBeVisible({ timeout: 15_000 });
  }

  async expectMembers(names: readonly string[]): Promise<void> {
    const expected = names.map((name) => (name === this.name ? `${name} (you)` : name));
    await expect(this.members.getByRole('listitem')).toHaveText(expected, { timeout: 15_000 });
  }

  /** Opens a conversation from the sidebar: `#room` or `@user`. */
  async open(label: string): Promise<void> {
    const list = label.startsWith('#') ? 'Rooms' : 'Private messages';
    await this.page
      .getByRole('list', { name: list })
      // "general, 2 people": the words after the name are the screen reader's (the screen shows "general 2").
      .getByRole('button', { name: new RegExp(`^${label.slice(1)}( ?,|$)`) })
      .click();
  }
}
