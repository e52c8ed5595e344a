import { CloseCode, isRetryableClose } from '@sockwire/protocol';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { type Clock, resolveEnv } from './env.js';
import { SockwireCloseEvent } from './events.js';
import { SockwireSocket } from './index.js';
import { DEFAULT_MAX_BUFFERED_AMOUNT, type SockwireSocketOptions } from './options.js';
import { checkCloseArguments, describe, utf8Length } from './util.js';

/*
 * `@sockwire/client/reconnect`: an opt-in wrapper that opens a fresh socket whenever the current one drops
 * for a reason worth retrying. Not for use under @stomp/stompjs, which reconnects by itself and wants a
 * fresh, non-reconnecting socket from its `webSocketFactory` every time.
 */

/** The URL, or a function returning it (or a promise of it), called before every attempt: refresh tokens here. */
export type UrlProvider = string | (() => string | Promise<string>);

/** What the wrapper needs from each socket it opens (SockwireSocket, or any WebSocket-like object). */
export interface ReconnectableSocket extends EventTarget {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly transport?: string | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ReconnectingSocketOptions extends SockwireSocketOptions, BackoffOptions {
  /** Ms a connection must stay open for the attempt counter (and so the backoff) to reset. Default 5000. */
  minUptime?: number;
  /** Consecutive failed attempts after which the wrapper gives up and closes. Default Infinity. */
  maxRetries?: number;
  /** Source of the backoff's jitter, returning [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Socket class each attempt constructs, given the URL and these options. Default `SockwireSocket`. */
  Socket?: new (
    url: string,
    options: SockwireSocketOptions,
  ) => ReconnectableSocket;
}

export const DEFAULT_MIN_UPTIME = 5000;

/** Fired before each wait: `delay` ms from now the next attempt starts (show a countdown with it). */
export class ReconnectingEvent extends Event {
  /** 1 for the first retry after a drop, 2 for the next, ... */
  readonly attempt: number;
  readonly delay: number;
  /** The close that caused this retry. */
  readonly code: number;
  readonly reason: string;

  constructor(attempt: number, delay: number, code: number, reason: string) {
    super('reconnecting');
    this.attempt = attempt;
    this.delay = delay;
    this.code = code;
    this.reason = reason;
  }
}

/** `waiting` is the backoff pause between attempts; to the outside it is CONNECTING, like `connecting`. */
type State = 'connecting' | 'open' | 'waiting' | 'closing' | 'closed';
const READY_STATE: Record<State, 0 | 1 | 2 | 3> = {
  connecting: 0,
  waiting: 0,
  open: 1,
  closing: 2,
  closed: 3,
};

type Handler<E> = ((this: ReconnectingSocket, event: E) => unknown) | null;

/**
 * A WebSocket-like object that survives drops. Events: `open` once (the first connection), `reconnecting`
 * before each wait, `reconnected` on every later connection, `message`, and `close` (with `error` first
 * when not clean) only when it gives up or is closed. Messages sent while down are queued (capped by
 * `maxBufferedAmount`) and go out, in order, on the next connection. Delivery is at most once: messages in
 * flight when a connection drops are lost.
 */
export class ReconnectingSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  onopen: Handler<Event> = null;
  onmessage: Handler<MessageEvent<string>> = null;
  onclose: Handler<SockwireCloseEvent> = null;
  onerror: Handler<Event> = null;
  onreconnecting: Handler<ReconnectingEvent> = null;
  onreconnected: Handler<Event> = null;

  #state: State = 'connecting';
  /** Bumped when a socket is abandoned; its late events carry the old value and are ignored. */
  #generation = 0;
  #socket: ReconnectableSocket | undefined;
  /** Consecutive attempts that did not stay up for `minUptime`. */
  #attempt = 0;
  #openedAt: number | undefined;
  #everOpened = false;
  #timer: unknown;
  #queue: string[] = [];
  #queuedBytes = 0;
  #lastUrl = '';
  readonly #clock: Clock;
  readonly #provider: UrlProvider;
  readonly #options: ReconnectingSocketOptions;

  constructor(url: UrlProvider, options: ReconnectingSocketOptions = {}) {
    super();
    this.#provider = url;
    this.#options = options;
    this.#clock = resolveEnv(options).clock;
    for (const type of ['open', 'message', 'close', 'error', 'reconnecting', 'reconnected'] as const) {
      this.addEventListener(type, (event) => this[`on${type}`]?.call(this, event as never));
    }
    this.#connect();
  }

  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.#state];
  }

  /** The URL of the current (or last) attempt; '' until the provider has answered. */
  get url(): string {
    return this.#lastUrl;
  }

  get transport(): string | null {
    return this.#socket?.transport ?? null;
  }

  /** Bytes queued while down plus what the current socket has not sent yet. */
  get bufferedAmount(): number {
    return this.#queuedBytes + (this.#socket?.bufferedAmount ?? 0);
  }

  /** Send now if connected, else queue for the next connection. Throws `QuotaExceededError` past the cap. */
  send(data: string): void {
    if (typeof data !== 'string') throw new TypeError('SockJS carries text only: send a string');
    if (this.#state === 'closing' || this.#state === 'closed') return;
    if (this.#state === 'open' && this.#socket) {
      this.#socket.send(data);
      return;
    }
    const bytes = utf8Length(data);
    const limit = this.#options.maxBufferedAmount ?? DEFAULT_MAX_BUFFERED_AMOUNT;
    if (this.#queuedBytes + bytes > limit) {
      throw new DOMException(
        `Reconnect queue full: ${this.#queuedBytes} bytes waiting, this message ${bytes}, limit ${limit} (maxBufferedAmount)`,
        'QuotaExceededError',
      );
    }
    this.#queue.push(data);
    this.#queuedBytes += bytes;
  }

  /** Stop reconnecting and close the current connection, if any. */
  close(code?: number, reason?: string): void {
    checkCloseArguments(code, reason);
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#abandon()?.close(code, reason);
    void Promise.resolve().then(() =>
      this.#finish(code ?? CloseCode.NORMAL, reason ?? 'Normal closure', true),
    );
  }

  /** Forget the current socket and any pending attempt; returns the socket so the caller can close it. */
  #abandon(): ReconnectableSocket | undefined {
    const socket = this.#socket;
    this.#generation++;
    this.#socket = undefined;
    this.#clock.clearTimeout(this.#timer);
    return socket;
  }

  #connect(): void {
    this.#state = 'connecting';
    const generation = this.#generation;
    const provider = this.#provider;
    // A plain string is used synchronously, so a malformed URL throws from the constructor as it would
    // from `new SockwireSocket`.
    if (typeof provider === 'string') {
      this.#attach(provider, generation);
      return;
    }
    Promise.resolve()
      .then(provider)
      .then((url) => this.#attach(url, generation))
      .catch((error: unknown) => {
        if (generation === this.#generation) {
          this.#dropped(CloseCode.ABNORMAL, `URL provider failed: ${describe(error)}`, false);
        }
      });
  }

  #attach(url: string, generation: number): void {
    if (generation !== this.#generation) return;
    this.#lastUrl = url;
    const socket = new (this.#options.Socket ?? SockwireSocket)(url, this.#options);
    this.#socket = socket;
    const live = (): boolean => generation === this.#generation;
    socket.addEventListener('open', () => live() && this.#opened());
    socket.addEventListener('message', (event) => {
      if (live())
        this.dispatchEvent(new MessageEvent('message', { data: (event as MessageEvent<string>).data }));
    });
    socket.addEventListener('close', (event) => {
      const { code, reason, wasClean } = event as SockwireCloseEvent;
      if (live()) this.#dropped(code, reason, wasClean);
    });
  }

  #opened(): void {
    this.#state = 'open';
    this.#openedAt = this.#clock.now();
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const data of queue) (this.#socket as ReconnectableSocket).send(data);
    const first = !this.#everOpened;
    this.#everOpened = true;
    this.dispatchEvent(new Event(first ? 'open' : 'reconnected'));
  }

  #dropped(code: number, reason: string, wasClean: boolean): void {
    this.#abandon();
    const minUptime = this.#options.minUptime ?? DEFAULT_MIN_UPTIME;
    // Only a connection that lasted resets the backoff, else a server that accepts and drops at once
    // would be hammered at the shortest delay forever.
    if (this.#openedAt !== undefined && this.#clock.now() - this.#openedAt >= minUptime) this.#attempt = 0;
    this.#openedAt = undefined;
    if (!isRetryableClose(code) || this.#attempt >= (this.#options.maxRetries ?? Number.POSITIVE_INFINITY)) {
      this.#finish(code, reason, wasClean);
      return;
    }
    const delay = backoffDelay(this.#attempt, this.#options, this.#options.random ?? Math.random);
    this.#attempt++;
    this.#state = 'waiting';
    this.dispatchEvent(new ReconnectingEvent(this.#attempt, delay, code, reason));
    // A listener may have called close().
    if (this.#state !== 'waiting') return;
    const generation = this.#generation;
    this.#timer = this.#clock.setTimeout(() => {
      if (generation === this.#generation) this.#connect();
    }, delay);
  }

  #finish(code: number, reason: string, wasClean: boolean): void {
    if (this.#state === 'closed') return;
    this.#abandon();
    this.#state = 'closed';
    if (!wasClean) this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new SockwireCloseEvent(code, reason, wasClean));
  }
}
