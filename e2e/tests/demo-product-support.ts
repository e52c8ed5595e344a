import type { DemoTab } from '../src/demo-tab.js';

/*
 * The page-side checks of demo-product.spec.ts: plain functions of their argument, serialised into the page by
 * Playwright or WebDriver (so they use only the page's globals), and the two steps every walk shares.
 */

export const state = (expected: string) =>
  document.querySelector('#badge')?.getAttribute('data-state') === expected;
/** Rendered and not hidden by CSS (nor folded away in a closed <details>). */
export const visible = (selector: string) => {
  const element = document.querySelector<HTMLElement>(selector);
  return (
    element?.checkVisibility({ visibilityProperty: true }) === true &&
    element.getBoundingClientRect().height > 0
  );
};
export const messageIn = ([text, delivery]: [string, string]) =>
  [...document.querySelectorAll<HTMLElement>('#messages > li.message')].some(
    (li) => (li.textContent ?? '').includes(text) && (delivery === '' || li.dataset.delivery === delivery),
  );
export const bannerKind = (kind: string) => {
  const banner = document.querySelector<HTMLElement>('#banner');
  return banner !== null && !banner.hidden && banner.dataset.kind === kind;
};

/** Fakes the tab going to the background and back (what a person does by switching tabs or apps). */
export const setHidden = (hidden: boolean) => {
  if (hidden) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  else delete (document as unknown as { visibilityState?: string }).visibilityState;
  document.dispatchEvent(new Event('visibilitychange'));
};

/** What the page shows, read in one go for the assertions. */
export function snapshot() {
  const box = (selector: string) => {
    const element = document.querySelector<HTMLElement>(selector);
    if (element === null || element.offsetParent === null) return null;
    const r = element.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
  };
  /** Whether a person can click it: what is drawn at its centre is the element itself (nothing covers it). */
  const reachable = (selector: string) => {
    const element = document.querySelector<HTMLElement>(selector);
    if (element === null) return false;
    const r = element.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && element.contains(hit);
  };
  const text = (selector: string) => document.querySelector(selector)?.textContent?.trim() ?? '';
  return {
    innerWidth: window.innerWidth,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    title: document.title,
    brand: box('.brand'),
    me: box('#me-name'),
    meName: text('#me-name'),
    meInitials: document.querySelector<HTMLElement>('#me-avatar')?.dataset.initials ?? '',
    status: box('#badge'),
    transportVisible: box('#transport') !== null,
    banner: box('#banner'),
    bannerText: text('#banner'),
    countdown: text('#banner-countdown'),
    header: box('.conversation-header'),
    titleReachable: reachable('#conversation-title'),
    leaveReachable: reachable('#leave'),
    composerReachable: reachable('#message'),
    days: [...document.querySelectorAll('#messages .day-label')].map((e) => e.textContent ?? ''),
    rows: [...document.querySelectorAll<HTMLElement>('#messages > li')].map((li) =>
      li.classList.contains('new-marker')
        ? '--- New messages ---'
        : li.classList.contains('day-separator')
          ? `[${li.textContent}]`
          : (li.querySelector('.text')?.textContent ?? ''),
    ),
    avatars: [...document.querySelectorAll<HTMLElement>('#messages .message:not(.mine) .avatar')].map(
      (a) => a.dataset.initials ?? '',
    ),
    presence: [...document.querySelectorAll<HTMLElement>('#member-list .presence-dot')].map(
      (dot) => `${dot.dataset.presence}: ${dot.getAttribute('aria-label')}`,
    ),
    catchUp: box('#catch-up') === null ? '' : text('#catch-up-text'),
  };
}

/** Neither overlaps the other (boxes side by side in the top bar). */
export function apart(
  a: { left: number; right: number } | null,
  b: { left: number; right: number } | null,
): boolean {
  return a !== null && b !== null && (a.right <= b.left + 0.5 || b.right <= a.left + 0.5);
}

export async function signIn(tab: DemoTab, name: string): Promise<void> {
  await tab.fill('#nickname', name);
  await tab.click('#login-form button[type="submit"]');
  await tab.waitFor('the chat page', (id) => document.getElementById(id)?.hidden === false, 'chat');
}
