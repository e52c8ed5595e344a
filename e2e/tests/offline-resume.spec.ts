import { test as base, expect } from '../src/fixtures.js';
import type { ResumeSnapshot } from '../src/offline-resume-types.js';
import type { TransportName } from '../src/scenario-types.js';
import {
  type OpenResume,
  openResumeFixture,
  type ResumeStack,
  type ResumeTab,
  tabViaPlaywright,
  tabViaWebDriver,
  until,
  untilServer,
} from './offline-resume-support.js';

/*
 * A page goes offline while messages are published, and comes back (the SDK's resume and confirmed sends,
 * packages/client/README.md "Resume" and "Confirmed sends"). In each engine, over WebSocket and over
 * xhr-streaming: the page subscribes with `Sockwire.createStompClient` (one transport only), gets a few messages,
 * goes offline; the server publishes while it is away and the page calls `client.send()` for a message typed
 * meanwhile; the page comes back online. Then it must have shown every published message once, in order, with
 * consecutive offsets; the typed message must have reached the server exactly once (an in-server subscriber
 * and the broker's publish counter see it once), confirmed only after the reconnect; onGap must stay silent.
 * With a history of 5 messages and more published while offline, onGap must report `truncated` instead.
 *
 * How the network goes away. The page reaches the STOMP service only through a TCP proxy of the test
 * (src/servers/cut-proxy.ts), which can reset every connection it carries and every new one.
 *   - Chromium and Firefox: `context.setOffline(true)`, then the proxy's cut. setOffline alone is no prompt
 *     cut here: measured with Playwright 1.64.1 on Chromium 156 and Firefox ESR 153, a WebSocket and an
 *     xhr-streaming response opened before it stay open (8 s later the client still reported `connected`; in
 *     Firefox, and over xhr-streaming in Chromium, a message published meanwhile still arrived; Chromium held
 *     the WebSocket's frames without closing it). Only new requests fail: xhr-polling dropped at once, and an
 *     xhr-streaming client only when its next send (stompjs's 10 s heart-beat) failed; without the proxy's cut
 *     the WebSocket cases did not see a drop within 15 s. So setOffline keeps every new attempt of the client
 *     off the network, as for a real offline page, and the proxy's reset ends the connections already open,
 *     as a lost network ends them.
 *   - WebKitGTK (MiniBrowser over WebDriver, which has no offline switch): the proxy's cut alone, which also
 *     resets every reconnect attempt until the page is let back.
 * Evidence that the cut was real is asserted, not assumed: the page's socket closed and it connected again,
 * the server saw its first STOMP session end and a second one start, a reconnect attempt failed while offline
 * (in the browser under setOffline, none reaching the proxy; at the proxy in WebKit), and the typed message
 * stayed unconfirmed and unseen by the server until the page came back.
 */

const TYPED = 'typed while offline ✓';
const BEFORE = 3;

interface Case {
  readonly title: string;
  readonly transport: TransportName;
  readonly history: number;
  /** Published while the page is offline. */
  readonly whileOffline: number;
  /** The offset the page resumes at after the gap, when the history cannot serve the resume. */
  readonly resumedAt?: number;
}

const CASES: readonly Case[] = [
  { title: 'websocket', transport: 'websocket', history: 1000, whileOffline: 30 },
  { title: 'xhr-streaming', transport: 'xhr-streaming', history: 1000, whileOffline: 30 },
  // Offsets 0..2 before, 3..14 while offline; a history of 5 still holds 10..14 when the page resumes at 3.
  {
    title: 'websocket, history of 5',
    transport: 'websocket',
    history: 5,
    whileOffline: 12,
    resumedAt: BEFORE + 12 - 5,
  },
];

const bodies = (prefix: string, count: number, from = 0): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix} ${String(from + i).padStart(2, '0')}`);

const pageLog = (snapshot: ResumeSnapshot): string => `page log:\n${snapshot.log.join('\n')}`;

/** Takes the page offline: see the top of this file for why both switches in Chromium and Firefox. */
async function goOffline(tab: ResumeTab, { proxy }: ResumeStack): Promise<number> {
  if (tab.setOffline) await tab.setOffline(true);
  return proxy.cut();
}

async function goOnline(tab: ResumeTab, { proxy }: ResumeStack): Promise<void> {
  proxy.restore();
  if (tab.setOffline) await tab.setOffline(false);
}

// Tagged as src/fixtures.ts's inEveryEngine tags its tests: one project per engine keeps exactly one variant.
const withService = base.extend<{ openResume: OpenResume }>({ openResume: openResumeFixture });
const viaPlaywright = withService.extend<{ tab: ResumeTab }>({ tab: tabViaPlaywright });
const viaWebDriver: typeof viaPlaywright = withService.extend<{ tab: ResumeTab }>({ tab: tabViaWebDriver });

function declareCases(test: typeof viaPlaywright): void {
  for (const c of CASES) {
    const gap = c.resumedAt !== undefined;
    const title = gap
      ? `offline over ${c.title}: messages past the history → onGap 'truncated', the rest once and in order`
      : `offline over ${c.title}: every message once and in order, the offline-typed message delivered once`;

    test(title, async ({ tab, stack, openResume }) => {
      const resume = await openResume({ size: c.history });
      const { service, proxy } = resume;
      // Destinations of this test only (the service is the test's own, but names say where they came from).
      const id = `${tab.engine}-${c.transport}-${c.history}`;
      const topic = `/topic/e2e/offline/${id}`;
      const sendTo = `/topic/e2e/offline-typed/${id}`;
      await service.watch(sendTo);

      await tab.load(stack.pages.pageUrl({ libraries: ['sockwire-stomp'] }));
      await tab.call('start', {
        url: proxy.via(service.url),
        transport: c.transport,
        topic,
        sendTo,
        minDelay: 100,
        maxDelay: 500,
      });
      const online = await until(tab, 'the first CONNECTED', (s) => s.connected && s.connects === 1);
      expect(online.transports, pageLog(online)).toEqual([c.transport]);

      // Online. The SDK subscribes on CONNECTED, live only (nothing received yet): whatever is published before
      // the broker has the subscription is not for this page, so wait for it.
      await untilServer('the broker accepting the page’s SUBSCRIBE', () => service.subscribed(topic) === 1);
      const before = bodies('before', BEFORE);
      await service.publish(topic, before);
      await until(tab, 'the messages published while online', (s) => s.received.length >= BEFORE);

      // Offline.
      expect(await goOffline(tab, resume), 'connections the proxy reset').toBeGreaterThan(0);
      const down = await until(tab, 'the page seeing its connection drop', (s) => !s.connected);
      expect(down.closes.length, pageLog(down)).toBeGreaterThan(0);
      const typed = await tab.call('type', TYPED);
      expect(typed.sends[0]?.connectedWhenTyped, pageLog(typed)).toBe(false);
      const during = bodies('offline', c.whileOffline, BEFORE);
      await service.publish(topic, during);
      // Offline long enough for the client to try again, and fail, at least once.
      const away = await until(tab, 'a reconnect attempt failing while offline', (s) => s.closes.length >= 2);
      expect(away.connected, pageLog(away)).toBe(false);
      expect(
        away.received.map((m) => m.body),
        pageLog(away),
      ).toEqual(before);
      expect(away.sends[0]?.state, pageLog(away)).toBe('pending');
      expect(service.seen(sendTo), 'the typed message reached the server while offline').toEqual([]);
      // Who failed that attempt: the browser itself when it is offline (setOffline), else the proxy.
      if (tab.setOffline) expect(proxy.counts.refused, 'attempts that reached the proxy').toBe(0);
      else expect(proxy.counts.refused, 'attempts the proxy refused').toBeGreaterThan(0);

      // Online again: the typed send is confirmed, and the page catches up.
      await goOnline(tab, resume);
      const caughtUp = gap ? during.slice(-c.history) : during;
      // (An unexpected gap ends the wait at once: the assertions below then show what is missing.)
      await until(
        tab,
        'the page catching up and its send confirmed',
        (s) =>
          (s.received.length >= BEFORE + caughtUp.length && s.sends[0]?.state !== 'pending') ||
          (!gap && s.gaps.length > 0),
      );
      // A last message: delivery is in order, so any duplicate or late replay would come before it.
      const after = bodies('after', 1, BEFORE + c.whileOffline);
      await service.publish(topic, after);
      const back = await until(tab, 'the message published after coming back', (s) =>
        s.received.some((m) => m.body === after[0]),
      );
      const log = pageLog(back);

      const shown = [...before, ...caughtUp, ...after];
      expect(
        back.received.map((m) => m.body),
        log,
      ).toEqual(shown);
      // Consecutive offsets, but for the hole a truncated history leaves between `before` and `resumedAt`.
      const resumedAt = c.resumedAt ?? BEFORE;
      const offsets = [
        ...before.map((_, i) => i),
        ...caughtUp.map((_, i) => resumedAt + i),
        BEFORE + c.whileOffline,
      ];
      expect(
        back.received.map((m) => m.offset),
        log,
      ).toEqual(offsets);
      expect(new Set(back.received.map((m) => m.epoch)).size, log).toBe(1);
      expect(back.received[0]?.epoch, log).toBeTruthy();

      if (gap) {
        expect(back.gaps, log).toEqual([
          {
            subscriptionId: expect.any(String),
            destination: topic,
            reason: 'truncated',
            requested: BEFORE,
            resumedAt: c.resumedAt,
          },
        ]);
      } else {
        expect(back.gaps, log).toEqual([]);
      }

      // The typed message: confirmed after a reconnect, published exactly once.
      expect(back.sends, log).toEqual([
        {
          text: TYPED,
          connectedWhenTyped: false,
          state: 'confirmed',
          failure: null,
          connectsWhenSettled: expect.any(Number),
        },
      ]);
      expect(back.sends[0]?.connectsWhenSettled, log).toBeGreaterThanOrEqual(2);
      expect(service.seen(sendTo), log).toEqual([TYPED]);
      expect(service.stats().broker.published, log).toBe(BEFORE + c.whileOffline + 1 + 1);
      expect(back.problems, log).toEqual([]);

      // The cut was real: the page connected again on the same transport, and the server saw the first
      // session end and a new one start (waited for: a server may notice a lost frame sink only later).
      expect(back.connects, log).toBeGreaterThanOrEqual(2);
      expect(new Set(back.transports), log).toEqual(new Set([c.transport]));
      const firstSession = service.sessions[0]?.session;
      await untilServer('the server ending the first STOMP session', () =>
        service.sessions.some((e) => e.event === 'disconnected' && e.session === firstSession),
      );
      expect(service.subscribed(topic), 'SUBSCRIBEs the broker accepted').toBeGreaterThanOrEqual(2);
      const connected = service.sessions.filter((e) => e.event === 'connected');
      expect(connected.length, JSON.stringify(service.sessions)).toBeGreaterThanOrEqual(2);
      expect(new Set(connected.map((e) => e.transport)), JSON.stringify(service.sessions)).toEqual(
        new Set([c.transport]),
      );

      const stopped = await tab.call('stop');
      expect(stopped.problems, pageLog(stopped)).toEqual([]);
    });
  }
}

base.describe('via Playwright', { tag: '@playwright' }, () => declareCases(viaPlaywright));
base.describe('via WebDriver', { tag: '@webdriver' }, () => declareCases(viaWebDriver));
