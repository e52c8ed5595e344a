import { randomBytes } from 'node:crypto';
import type { Engine } from '../src/engine.js';
import { expectEcho } from '../src/expect-echo.js';
import { test as base, expect } from '../src/fixtures.js';
import type { TransportName } from '../src/scenario-types.js';
import type { FixationSites, RecordedRequest } from '../src/servers/fixation.js';
import {
  type AttackerTabs,
  sitesFixture,
  tabsViaPlaywright,
  tabsViaWebDriver,
  waitFor,
} from './session-fixation-support.js';

/*
 * Security issue 14 (session fixation), with real browsers: what they send is what the server's defences rely
 * on (packages/server/src/sockjs/session-binding.ts).
 *
 * 1. A page on another site (http://localhost:<port>) makes the victim's browser, which holds the victim's
 *    cookies for the server's site (http://127.0.0.1:<port>), request session URLs whose ids the attacker
 *    chose: an iframe, an <img>, a no-cors fetch, and a top-level navigation in another tab. None of these
 *    carries an Origin, so the allow-list cannot refuse them; the browser's Fetch Metadata (`Sec-Fetch-Site:
 *    cross-site`) is what tells the server. Each must get 403 ("another site"), the app must see no
 *    connection, and a later xhr_send to that id (as the attacker would drive the session) must get 404.
 *    Before the fix each of them opened the session with the victim's cookies. The headers each engine sent
 *    are printed and attached; an engine that sends no Fetch Metadata fails, saying so.
 * 2. A page on the server's own origin connects with @sockwire/client over each HTTP transport and echoes:
 *    same-origin requests must still pass, and the session must be bound to a key: its first request asks
 *    for one (`sw_key=new`), every later one carries the same 24-character key.
 */

const withSites = base.extend<{ sites: FixationSites }>({ sites: sitesFixture });
const viaPlaywright = withSites.extend<{ engine: Engine; tabs: AttackerTabs }>({
  engine: async ({ pageEngine }, use) => use(pageEngine),
  tabs: tabsViaPlaywright,
});
const viaWebDriver: typeof viaPlaywright = withSites.extend<{ engine: Engine; tabs: AttackerTabs }>({
  engine: async ({ webkitEngine }, use) => use(webkitEngine),
  tabs: tabsViaWebDriver,
});

const VECTORS = ['iframe', 'img', 'no-cors fetch', 'navigation'] as const;
type Vector = (typeof VECTORS)[number];

const HTTP_TRANSPORTS: readonly TransportName[] = ['xhr-streaming', 'eventsource', 'xhr-polling'];
const MESSAGES = ['hello from the victim’s own page', '{"json":"text"} & <b>markup</b>'];

const attr = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The attacker's page: three ways to make the visitor's browser request a URL of another site. */
function attackPage(urls: Readonly<Record<Vector, string>>): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>attacker</title></head><body>',
    `<iframe src="${attr(urls.iframe)}"></iframe>`,
    `<img src="${attr(urls.img)}" alt="">`,
    `<script>fetch(${JSON.stringify(urls['no-cors fetch'])}, { mode: 'no-cors', credentials: 'include' })`,
    '.catch(function () {});</script>',
    '</body></html>',
  ].join('\n');
}

/** The attacker's other page: its script sends its tab to `url` (a navigation the attacker's site starts). */
function navigatePage(url: string): string {
  return `<!doctype html><title>attacker</title><script>location.href = ${JSON.stringify(url)};</script>`;
}

interface Observed {
  readonly vector: Vector;
  readonly request: RecordedRequest;
}

function describeRequest(engine: string, { vector, request: r }: Observed): string {
  const shown = (value: string | undefined) => (value === undefined ? '(none)' : value);
  return (
    `[${engine}] ${vector.padEnd(13)} ${r.method} ${r.url} -> ${r.status}  ` +
    `Sec-Fetch-Site: ${shown(r.secFetchSite)}, Sec-Fetch-Mode: ${shown(r.secFetchMode)}, ` +
    `Sec-Fetch-Dest: ${shown(r.secFetchDest)}, Origin: ${shown(r.origin)}, Cookie: ${shown(r.cookie)}`
  );
}

function declare(test: typeof viaPlaywright): void {
  test('another site cannot open a session id it chose: iframe, img, no-cors fetch, navigation get 403', async ({
    engine,
    tabs,
    sites,
  }, info) => {
    const { victim, attacker } = sites;
    // The victim is signed in on the server's site: the attack carries whatever cookies the engine sends.
    await engine.open(victim.loginUrl);

    const nonce = randomBytes(4).toString('hex');
    const ids = Object.fromEntries(
      VECTORS.map((vector) => [vector, `atk-${engine.name}-${vector.replace(/\W/g, '')}-${nonce}`]),
    ) as Record<Vector, string>;
    const urls = Object.fromEntries(
      VECTORS.map((vector) => [vector, victim.sessionUrl(ids[vector], 'eventsource')]),
    ) as Record<Vector, string>;

    await tabs.visit(attacker.host('attack.html', attackPage(urls)));
    const closeTab = await tabs.openTab(attacker.host('navigate.html', navigatePage(urls.navigation)));
    const answered = (vector: Vector) =>
      victim.requests.filter((r) => r.session === ids[vector] && r.status !== null);
    try {
      await waitFor('the browser requesting every session URL the attacker chose', () =>
        VECTORS.every((vector) => answered(vector).length > 0) ? true : undefined,
      ).catch((error: Error) => {
        const missing = VECTORS.filter((vector) => answered(vector).length === 0);
        throw new Error(`${error.message}: the server never answered the ${missing.join(', ')} request(s)`);
      });
    } finally {
      await closeTab();
    }

    const observed: Observed[] = VECTORS.flatMap((vector) =>
      answered(vector).map((request) => ({ vector, request })),
    );
    const lines = observed.map((o) => describeRequest(engine.name, o));
    console.log(lines.join('\n'));
    await info.attach(`fetch-metadata-${engine.name}.json`, {
      body: JSON.stringify(
        observed.map(({ vector, request }) => ({ engine: engine.name, vector, ...request })),
        null,
        2,
      ),
      contentType: 'application/json',
    });

    for (const { vector, request } of observed) {
      const where = `${engine.name}, ${vector}: ${describeRequest(engine.name, { vector, request })}`;
      expect
        .soft(
          request.secFetchSite,
          `${engine.name} sends no Fetch Metadata (no Sec-Fetch-Site) on the ${vector} request, so the ` +
            `server cannot tell it came from another site. ${where}`,
        )
        .toBeDefined();
      // localhost and 127.0.0.1 are different sites: anything else would mean the setup is not an attack.
      expect.soft(request.secFetchSite, where).toBe('cross-site');
      // No Origin: the allow-list has nothing to refuse, Fetch Metadata alone must do it.
      expect.soft(request.origin, where).toBeUndefined();
      expect.soft(request.status, where).toBe(403);
      expect.soft(request.body, where).toContain('another site');
    }
    expect.soft(victim.connections, 'connections the app saw').toEqual([]);
    // The attack carried the victim's cookies: a top-level GET navigation sends even SameSite=Lax ones (the
    // default in Chromium); what the subresources carried differs per engine and is in the log above.
    const navigation = observed.find((o) => o.vector === 'navigation')?.request;
    expect.soft(navigation?.cookie, `${engine.name}: the navigation's cookies`).toContain('login=victim');

    // The attacker, from anywhere, tries to drive the session its id names, as before the fix it could.
    for (const vector of VECTORS) {
      const send = await fetch(victim.sessionUrl(ids[vector], 'xhr_send'), {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify([`sent by the attacker into the ${vector} session`]),
      });
      expect.soft(send.status, `${engine.name}, ${vector}: xhr_send into ${ids[vector]}`).toBe(404);
    }
  });

  for (const transport of HTTP_TRANSPORTS) {
    test(`the server's own page echoes over ${transport}, its session bound to a key on every request`, async ({
      engine,
      sites,
    }) => {
      const { victim } = sites;
      await engine.open(victim.pageUrl);
      const result = await engine.run('echo', {
        library: 'sockwire',
        url: victim.serviceUrl,
        transports: [transport],
        messages: MESSAGES,
        timeoutMs: 15_000,
      });
      expectEcho(result, MESSAGES, transport);

      expect(
        victim.connections.map((c) => c.transport),
        'connections the app saw',
      ).toEqual([transport]);
      const session = victim.connections[0]?.session ?? null;
      expect(session, 'the session id of the connection').not.toBeNull();
      const requests = victim.requests.filter((r) => r.session === session);
      const log = requests.map((r) => `${r.method} ${r.url} -> ${r.status}`).join('\n');
      console.log(
        requests
          .map(
            (r) =>
              `[${engine.name}] own page, ${transport}: ${r.method} ${r.url} -> ${r.status}  ` +
              `Sec-Fetch-Site: ${r.secFetchSite ?? '(none)'}, Origin: ${r.origin ?? '(none)'}`,
          )
          .join('\n'),
      );

      const [first, ...later] = requests;
      expect(first?.url, `the opening request asks for a key\n${log}`).toMatch(/[?&]sw_key=new(?:&|$)/);
      expect(victim.connections[0]?.url, 'the URL the connection was opened with').toMatch(/[?&]sw_key=new/);
      expect(later.length, `requests after the opening one (the sends at least)\n${log}`).toBeGreaterThan(0);
      const keys = later.map((r) => /[?&]sw_key=([^&]*)/.exec(r.url)?.[1] ?? '(none)');
      for (const key of keys) expect(key, `a later request's key\n${log}`).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(new Set(keys).size, `one key for the whole session\n${log}`).toBe(1);
      // Every request that got an answer was served: the browser's own same-origin requests pass the checks.
      const refused = requests.filter((r) => r.status !== null && r.status >= 400);
      expect(refused, `refused requests of the session\n${log}`).toEqual([]);
    });
  }
}

// Tagged as src/fixtures.ts's inEveryEngine tags its tests: one project per engine keeps exactly one variant.
base.describe('via Playwright', { tag: '@playwright' }, () => declare(viaPlaywright));
base.describe('via WebDriver', { tag: '@webdriver' }, () => declare(viaWebDriver));
