import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { remote } from 'webdriverio';
import { MINIBROWSER, WEBKIT_DRIVER } from './browsers.js';

/*
 * WebKitGTK's MiniBrowser, driven through WebKitWebDriver and webdriverio (Playwright's own WebKit cannot be
 * installed here). One driver process and one browser session per test worker: starting MiniBrowser costs
 * seconds, loading a fresh page per test gives the isolation.
 */

export type WebKitBrowser = Awaited<ReturnType<typeof remote>>;

export interface WebKitSession {
  readonly browser: WebKitBrowser;
  close(): Promise<void>;
}

/** A port the kernel just called free. WebKitWebDriver cannot listen on port 0 and report the port it got. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Polls the driver's /status until it answers: it prints nothing when it is ready. */
async function waitUntilReady(driver: ChildProcess, port: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) return;
    } catch {
      // Not listening yet: try again below.
    }
    if (Date.now() > deadline)
      throw new Error(`WebKitWebDriver did not answer on port ${port} in ${deadlineMs} ms`);
    await delay(pause);
  }
}

/** webdriverio's types know no `webkitgtk:` capabilities; WebKitWebDriver requires this one. */
interface WebKitGtkCapabilities extends WebdriverIO.Capabilities {
  'webkitgtk:browserOptions': { binary: string; args: string[] };
}

const capabilities: WebKitGtkCapabilities = {
  browserName: 'MiniBrowser',
  // Without it webdriverio asks for BiDi, which WebKitWebDriver does not match ("Failed to match capabilities").
  'wdio:enforceWebDriverClassic': true,
  'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
};

export async function startWebKit(): Promise<WebKitSession> {
  if (!process.env.DISPLAY) {
    // MiniBrowser has no headless mode: without a display, session creation would hang until the test timeout.
    throw new Error(
      'WebKitGTK needs an X display: run the suite with `node e2e/scripts/run.mjs` (it uses xvfb-run), or leave WebKit out explicitly with `--engines=chromium,firefox`',
    );
  }
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let driverErrors = '';
  driver.stderr?.on('data', (chunk: Buffer) => {
    driverErrors = (driverErrors + chunk.toString()).slice(-4000);
  });
  const stopDriver = async () => {
    if (driver.exitCode !== null || driver.signalCode !== null) return;
    const exited = once(driver, 'exit');
    driver.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilReady(driver, port, 10_000);
    const browser = await remote({ hostname: '127.0.0.1', port, path: '/', logLevel: 'error', capabilities });
    // Scenarios bound their own time; this only catches a page that never calls back at all.
    await browser.setTimeout({ script: 60_000, pageLoad: 30_000 });
    return {
      browser,
      async close() {
        await browser.deleteSession().catch(() => undefined);
        await stopDriver();
      },
    };
  } catch (error) {
    await stopDriver();
    throw new Error(`cannot start WebKitGTK: ${String(error)}\n${driverErrors}`);
  }
}
