import type { ConnectionState, TransportChoice } from '../chat-client.js';
import { setAvatar } from './avatar.js';
import { byId, setText } from './dom.js';
import { fillTransportSelect, isTransportChoice, transportLabel } from './transports.js';

export interface StatusActions {
  /** The user forced a transport: reconnect with it. */
  transport(choice: TransportChoice): void;
  /** "Retry now" / "Try again" / "Reconnect now". */
  retry(): void;
  signOut(): void;
}

/** How long "Back online" stays: longer when it says what was recovered. */
const BACK_ONLINE_SHOWN_MS = 5000;
const CATCH_UP_SHOWN_MS = 20_000;

/** What the banner is saying (its `data-kind`, which the browser tests read too). */
type BannerKind = 'never-connected' | 'connection-lost' | 'refused';

/**
 * The connection made visible, for two audiences. People get one word in the top bar ("Online") and, when it
 * matters, a banner in plain words between the top bar and the conversation ("Connection lost · Reconnecting
 * in 3 s…", then "Back online"). Developers get the connection panel behind that word: transport, round
 * trip, server, the last close code, and the transport selector.
 */
export class StatusView {
  private readonly badge = byId<HTMLButtonElement>('badge');
  private readonly badgeText = byId<HTMLElement>('badge-text');
  private readonly panel = byId<HTMLElement>('connection-panel');
  private readonly select = byId<HTMLSelectElement>('transport');
  private readonly banner = byId<HTMLElement>('banner');
  private readonly bannerText = byId<HTMLElement>('banner-text');
  private readonly bannerDetail = byId<HTMLElement>('banner-detail');
  private readonly bannerCountdown = byId<HTMLElement>('banner-countdown');
  /** What the countdown says, once, for screen readers ("Reconnecting automatically."). */
  private readonly bannerSpoken = byId<HTMLElement>('banner-spoken');
  private readonly bannerAction = byId<HTMLButtonElement>('banner-action');
  private readonly catchUp = byId<HTMLElement>('catch-up');
  private readonly catchUpText = byId<HTMLElement>('catch-up-text');
  private catchUpTimer: ReturnType<typeof setTimeout> | undefined;
  private state: ConnectionState = { kind: 'connecting' };
  private transport: TransportChoice = 'auto';
  private roundTrip: number | undefined;
  private countdown: ReturnType<typeof setInterval> | undefined;
  /** Whether this sign-in was ever connected: "Can't reach the chat server" until it was, "Connection lost" after. */
  private wasOnline = false;
  /** The last close, for the panel: kept after the connection is back. */
  private lastProblem = 'None';
  /** Why the connection was lost (the first close after being online): later failed attempts do not change it. */
  private lostBecause: string | undefined;

  constructor(actions: StatusActions) {
    this.select.addEventListener('change', () => {
      if (isTransportChoice(this.select.value)) {
        this.transport = this.select.value;
        actions.transport(this.select.value);
      }
    });
    this.bannerAction.addEventListener('click', () => actions.retry());
    byId('connection-retry').addEventListener('click', () => actions.retry());
    byId('catch-up-close').addEventListener('click', () => this.hideCatchUp());
    byId('sign-out').addEventListener('click', () => actions.signOut());
    byId('drawer-sign-out').addEventListener('click', () => actions.signOut());
    this.badge.addEventListener('click', () => this.togglePanel(this.panel.hidden !== false));
    byId('connection-close').addEventListener('click', () => this.togglePanel(false, true));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.panel.hidden) this.togglePanel(false, true);
    });
    // A click anywhere else closes the panel, as a menu would.
    document.addEventListener('pointerdown', (event) => {
      const target = event.target as Node;
      if (!this.panel.hidden && !this.panel.contains(target) && !this.badge.contains(target))
        this.togglePanel(false);
    });
  }

  start(me: string, transport: TransportChoice, server: string): void {
    setText(byId('me-name'), me);
    setText(byId('drawer-me'), me);
    setAvatar(byId('me-avatar'), me);
    setText(byId('connection-server'), server);
    this.transport = transport;
    fillTransportSelect(this.select, transport);
    this.wasOnline = false;
    this.lastProblem = 'None';
    this.lostBecause = undefined;
    this.hideCatchUp();
    this.togglePanel(false);
  }

  setState(state: ConnectionState): void {
    // Back after "Connection lost" (whether by the backoff's attempt or by "Retry now").
    const reconnected = state.kind === 'connected' && this.banner.dataset.kind === 'connection-lost';
    this.state = state;
    if (state.kind !== 'connected') {
      this.roundTrip = undefined;
      this.hideCatchUp();
    }
    if (state.kind === 'connected') this.wasOnline = true;
    if (state.kind === 'reconnecting') {
      this.lastProblem = `${state.detail} (attempt ${state.attempt})`;
      if (this.wasOnline) this.lostBecause ??= state.problem;
    } else if (state.kind === 'connected') this.lostBecause = undefined;
    clearInterval(this.countdown);
    this.countdown = undefined;
    // The countdown ticks while we wait for the next attempt.
    if (state.kind === 'reconnecting') this.countdown = setInterval(() => this.render(), 250);
    this.render();
    if (reconnected) this.showCatchUp('Back online.', BACK_ONLINE_SHOWN_MS);
  }

  setRoundTrip(ms: number): void {
    this.roundTrip = ms;
    this.render();
  }

  /** Back online, and what the reconnect brought back ("3 missed messages recovered"), for a while. */
  showCatchUp(text: string, shownMs = CATCH_UP_SHOWN_MS): void {
    setText(this.catchUpText, text);
    this.catchUp.hidden = false;
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = setTimeout(() => this.hideCatchUp(), shownMs);
  }

  hideCatchUp(): void {
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = undefined;
    this.catchUp.hidden = true;
  }

  private togglePanel(open: boolean, returnFocus = false): void {
    this.panel.hidden = !open;
    this.badge.setAttribute('aria-expanded', String(open));
    if (open) {
      this.render();
      this.select.focus();
    } else if (returnFocus) this.badge.focus();
  }

  private render(): void {
    const { state } = this;
    this.badge.dataset.state = state.kind;
    const rtt = this.roundTrip === undefined ? '—' : `${this.roundTrip} ms`;
    setText(byId('connection-rtt'), state.kind === 'connected' ? rtt : '—');
    setText(byId('connection-problem'), this.lastProblem);
    const forced = this.transport === 'auto' ? 'chosen automatically' : 'forced';
    setText(
      byId('connection-transport'),
      state.kind === 'connected' ? `${transportLabel(state.transport)} (${forced})` : '—',
    );
    switch (state.kind) {
      case 'connecting':
        this.describe('Connecting…', 'Connecting…');
        // A retry or a transport switch while offline: the banner stays until the outcome is known.
        if (this.banner.dataset.kind === 'refused') this.hideBanner();
        setText(this.bannerCountdown, this.banner.hidden ? '' : 'Trying now…');
        return;
      case 'connected':
        this.describe('Online', `Connected over ${transportLabel(state.transport)}`);
        this.badge.title = `Connected over ${transportLabel(state.transport)}; round trip ${rtt}`;
        this.hideBanner();
        return;
      case 'reconnecting': {
        const seconds = Math.ceil((state.nextAttemptAt - Date.now()) / 1000);
        const verb = this.wasOnline ? 'Reconnecting' : 'Retrying';
        const when = seconds > 0 ? `${verb} in ${seconds} s…` : `${verb} now…`;
        this.describe('Offline', `Offline: ${when.toLowerCase()}`);
        if (this.wasOnline) {
          const why = this.lostBecause ?? state.problem;
          this.showBanner('connection-lost', 'warning', 'Connection lost', `${why}.`, 'Retry now');
        } else {
          this.showBanner(
            'never-connected',
            'warning',
            "Can't reach the chat server",
            state.hint ?? '',
            'Retry now',
          );
        }
        setText(this.bannerCountdown, when);
        return;
      }
      case 'refused': {
        this.describe('Refused', 'Refused by the server');
        const title =
          state.cause === 'origin'
            ? 'This page is not allowed to use the chat server'
            : 'The chat server refused the connection';
        this.showBanner('refused', 'error', title, state.message, 'Try again');
        setText(this.bannerCountdown, '');
        return;
      }
      case 'stopped':
        this.describe('Disconnected', 'Disconnected');
        this.hideBanner();
        return;
    }
  }

  /** The top bar's word and the panel's longer status. */
  private describe(word: string, status: string): void {
    setText(this.badgeText, word);
    // The word shown, then what the button does (the word alone is hidden on a phone, where only the dot shows).
    this.badge.setAttribute('aria-label', `${word}: connection details`);
    setText(byId('connection-status'), status);
    if (this.state.kind !== 'connected') this.badge.title = status;
  }

  private showBanner(
    kind: BannerKind,
    tone: 'warning' | 'error',
    text: string,
    detail: string,
    action: string,
  ): void {
    this.banner.dataset.kind = kind;
    this.banner.dataset.tone = tone;
    setText(this.bannerText, text);
    setText(
      this.bannerSpoken,
      kind === 'connection-lost'
        ? ': reconnecting automatically.'
        : kind === 'never-connected'
          ? ': retrying automatically.'
          : '.',
    );
    setText(this.bannerDetail, detail);
    this.bannerDetail.hidden = detail === '';
    setText(this.bannerAction, action);
    this.banner.hidden = false;
  }

  private hideBanner(): void {
    this.banner.hidden = true;
    delete this.banner.dataset.kind;
  }
}
