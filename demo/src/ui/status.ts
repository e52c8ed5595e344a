import type { ConnectionState, TransportChoice } from '../chat-client.js';
import { byId, setText } from './dom.js';
import { fillTransportSelect, isTransportChoice, transportLabel } from './transports.js';

export interface StatusActions {
  /** The user forced a transport: reconnect with it. */
  transport(choice: TransportChoice): void;
  /** "Retry now" / "Try again". */
  retry(): void;
  signOut(): void;
}

const CATCH_UP_SHOWN_MS = 20_000;

/** The connection made visible: badge (transport, round trip), transport selector, and the banner. */
export class StatusView {
  private readonly badge = byId<HTMLElement>('badge');
  private readonly badgeText = byId<HTMLElement>('badge-text');
  private readonly select = byId<HTMLSelectElement>('transport');
  private readonly banner = byId<HTMLElement>('banner');
  private readonly bannerText = byId<HTMLElement>('banner-text');
  private readonly bannerCountdown = byId<HTMLElement>('banner-countdown');
  private readonly bannerAction = byId<HTMLButtonElement>('banner-action');
  private readonly meName = byId<HTMLElement>('me-name');
  private readonly catchUp = byId<HTMLElement>('catch-up');
  private readonly catchUpText = byId<HTMLElement>('catch-up-text');
  private catchUpTimer: ReturnType<typeof setTimeout> | undefined;
  private state: ConnectionState = { kind: 'connecting' };
  private roundTrip: number | undefined;
  private countdown: ReturnType<typeof setInterval> | undefined;

  constructor(actions: StatusActions) {
    this.select.addEventListener('change', () => {
      if (isTransportChoice(this.select.value)) actions.transport(this.select.value);
    });
    this.bannerAction.addEventListener('click', () => actions.retry());
    byId('catch-up-close').addEventListener('click', () => this.hideCatchUp());
    byId('sign-out').addEventListener('click', () => actions.signOut());
    byId('drawer-sign-out').addEventListener('click', () => actions.signOut());
  }

  start(me: string, transport: TransportChoice): void {
    setText(this.meName, me);
    setText(byId('drawer-me'), me);
    fillTransportSelect(this.select, transport);
  }

  setState(state: ConnectionState): void {
    this.state = state;
    if (state.kind !== 'connected') this.roundTrip = undefined;
    clearInterval(this.countdown);
    this.countdown = undefined;
    // The countdown ticks while we wait for the next attempt.
    if (state.kind === 'reconnecting') this.countdown = setInterval(() => this.render(), 250);
    this.render();
  }

  setRoundTrip(ms: number): void {
    this.roundTrip = ms;
    this.render();
  }

  /** What a reconnect brought back ("3 missed messages recovered"), shown for a while. */
  showCatchUp(text: string): void {
    setText(this.catchUpText, text);
    this.catchUp.hidden = false;
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = setTimeout(() => this.hideCatchUp(), CATCH_UP_SHOWN_MS);
  }

  hideCatchUp(): void {
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = undefined;
    this.catchUp.hidden = true;
  }

  private render(): void {
    const { state } = this;
    this.badge.dataset.state = state.kind;
    switch (state.kind) {
      case 'connecting':
        setText(this.badgeText, 'Connecting…');
        this.hideBanner();
        return;
      case 'connected': {
        const rtt = this.roundTrip === undefined ? '' : ` · ${this.roundTrip} ms`;
        setText(this.badgeText, `${transportLabel(state.transport)}${rtt}`);
        this.badge.title = `Connected over ${transportLabel(state.transport)}; round trip ${this.roundTrip ?? '…'} ms`;
        this.hideBanner();
        return;
      }
      case 'reconnecting': {
        setText(this.badgeText, 'Offline');
        const seconds = Math.ceil((state.nextAttemptAt - Date.now()) / 1000);
        const attempt = state.attempt > 1 ? ` (attempt ${state.attempt})` : '';
        const when = seconds > 0 ? `Next try in ${seconds} s${attempt}.` : `Trying now${attempt}…`;
        this.showBanner('warning', `Connection lost: ${state.why}. Reconnecting automatically.`, 'Retry now');
        setText(this.bannerCountdown, when);
        return;
      }
      case 'refused':
        setText(this.badgeText, 'Refused');
        this.showBanner('error', state.message, 'Try again');
        setText(this.bannerCountdown, '');
        return;
      case 'stopped':
        setText(this.badgeText, 'Disconnected');
        this.hideBanner();
        return;
    }
  }

  private showBanner(tone: 'warning' | 'error', text: string, action: string): void {
    this.banner.dataset.tone = tone;
    setText(this.bannerText, text);
    setText(this.bannerAction, action);
    this.banner.hidden = false;
  }

  private hideBanner(): void {
    this.banner.hidden = true;
  }
}
