import type { LaunchOptions } from '@playwright/test';

/*
 * How each engine is launched on these machines (shared notes, browsers.md): Debian's browsers, since no browser
 * can be downloaded. One place, used by the Playwright projects and by any spec that opens a second engine
 * itself (a chat between Chromium and Firefox, say, through `playwright.firefox.launch(FIREFOX)`).
 */

export const CHROMIUM: LaunchOptions = {
  // Without it Playwright looks for its own headless shell, which is not installed.
  executablePath: '/usr/bin/chromium',
  // No GPU on these machines; QUIC would make Chromium race UDP against our TCP-only servers; and no system
  // proxy may come between the browser and the test proxies.
  args: ['--disable-gpu', '--disable-quic', '--no-proxy-server'],
};

export const FIREFOX: LaunchOptions = {
  // Stock Firefox speaks WebDriver BiDi only: `moz-firefox` makes Playwright (1.64.1, see package.json) use it.
  channel: 'moz-firefox',
  executablePath: '/usr/bin/firefox-esr',
};

export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
