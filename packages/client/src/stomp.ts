/*
 * `@sockwire/client/stomp`: a @stomp/stompjs Client whose sockets are SockwireSockets (with fallback), which
 * restores the application's subscriptions after every reconnect (resuming each from the last message it got,
 * stream-tracker.ts), confirms `send()`s across reconnects (pending-sends.ts), backs off with full jitter, and
 * stops for good on an ERROR that would only be repeated (stomp-errors.ts).
 * @stomp/stompjs is a peer dependency of this entry only; the core entry stays dependency-free.
 */
import {
  Client,
  type IFrame,
  type IMessage,
  ReconnectionTimeMode,
  type StompConfig,
  type StompHeaders,
  type StompSubscription,
} from '@stomp/stompjs';
import { type BackoffOptions, backoffDelay, cautiousDelay } from './backoff.js';
import { SockwireSocket } from './index.js';
import type { SockwireSocketOptions } from './options.js';
import { DEFAULT_MAX_PENDING_SENDS, PendingSends } from './pending-sends.js';
import { classifyStompError, type StompErrorClass, StompPermanentError } from './stomp-errors.js';
import { type StompGap, StreamCursor } from './stream-tracker.js';

export interface SockwireStompConfig
  extends Omit<StompConfig, 'webSocketFactory' | 'brokerURL'>,
    BackoffOptions {
  /** Options for every SockwireSocket the client opens (transports, timeouts, injected constructors). */
  socket?: SockwireSocketOptions;
  /**
   * Ms a connection must last before the backoff starts again from `minDelay`: a server that accepts and then
   * drops connections at once must not be hammered. Default 5000.
   */
  minUptime?: number;
  /** Called with the delay, in ms, before each reconnect attempt (for a countdown in the UI). */
  onReconnectScheduled?: (delay: number, attempt: number) => void;
  /** A JSON message handler got a body that is not JSON. Default: reported through `debug`. */
  onJsonError?: (error: Error, message: IMessage) => void;
  /** Source of randomness for the backoff, [0, 1). Default Math.random. */
  random?: () => number;
  /**
   * Unconfirmed `send()`s kept (on the wire or waiting for a connection); past it `send()` rejects at once.
   * Default 1000.
   */
  maxPendingSends?: number;
  /**
   * A subscription resumed after a reconnect but messages it missed are gone (the server no longer has them):
   * reload whatever state the application derives from it. Default: reported through `debug`.
   */
  onGap?: (gap: StompGap) => void;
  /**
   * The client stopped for good: the server sent an ERROR it would send again on every attempt (bad
   * credentials, no handler for a destination, access denied: see `classifyStompError`), so it is not
   * reconnecting. Every unconfirmed `send()` is rejected with the same error; `activate()` starts again.
   * Default: `console.error` of the error's message.
   */
  onPermanentError?: (error: StompPermanentError) => void;
  /**
   * Overrides `classifyStompError` (return undefined to keep its answer). Called without a close code at the
   * ERROR itself, to decide about a `send()` whose receipt the ERROR names (rejected unless `transient`), and
   * with the close code when the connection closes after the ERROR, to decide what follows.
   */
  classifyError?: (frame: IFrame, closeCode?: number) => StompErrorClass | undefined;
}

/**
 * STOMP servers close the connection as soon as they have sent an ERROR; a close this long after one has
 * another cause (a broker that sends ERRORs it survives, then a network drop), and is judged on its own.
 */
const ERROR_CLOSE_WINDOW = 5000;

/** A subscription that outlives connections: re-made, with the same id, on every (re)connect. */
interface DurableSubscription {
  readonly destination: string;
  /** The application's callback behind the cursor: gap notices and duplicates never reach it. */
  readonly deliver: (message: IMessage) => void;
  readonly headers: StompHeaders;
  readonly cursor: StreamCursor;
}

let nextSubscriptionId = 0;
let nextReceiptId = 0;

export class SockwireStompClient extends Client {
  private readonly durable = new Map<string, DurableSubscription>();
  private readonly backoff: BackoffOptions;
  private readonly minUptime: number;
  private readonly random: () => number;
  private readonly onReconnectScheduled: (delay: number, attempt: number) => void;
  private readonly onJsonError: (error: Error, message: IMessage) => void;
  private readonly onGap: (gap: StompGap) => void;
  private readonly sends: PendingSends;
  private readonly onPermanentError: (error: StompPermanentError) => void;
  private readonly classifyError: (frame: IFrame, closeCode?: number) => StompErrorClass | undefined;
  private attempt = 0;
  private connectedAt = 0;
  /** The last ERROR of the current connection, when it came, and whether it settled a send (rejected it). */
  private lastError: { frame: IFrame; at: number; settled: boolean } | undefined;
  private stoppedBy: StompPermanentError | undefined;
  private userOnConnect: (frame: IFrame) => void = () => {};
  private userOnSocketClose: (event: CloseEvent) => void = () => {};
  private userOnStompError: (frame: IFrame) => void = () => {};

  constructor(url: string, config: SockwireStompConfig = {}) {
    const {
      socket,
      minDelay,
      maxDelay,
      factor,
      minUptime,
      onReconnectScheduled,
      onJsonError,
      random,
      maxPendingSends,
      onGap,
      onPermanentError,
      classifyError,
      ...stomp
    } = config;
    super();
    this.backoff = { minDelay, maxDelay, factor };
    this.minUptime = minUptime ?? 5000;
    this.random = random ?? Math.random;
    this.onReconnectScheduled = onReconnectScheduled ?? (() => {});
    this.onJsonError = onJsonError ?? ((error) => this.debug(`JSON body rejected: ${error.message}`));
    this.onGap =
      onGap ?? ((gap) => this.debug(`messages of ${gap.destination} lost on resume (${gap.reason})`));
    this.onPermanentError = onPermanentError ?? ((error) => console.error(error.message));
    this.classifyError = classifyError ?? (() => undefined);
    this.sends = new PendingSends(maxPendingSends ?? DEFAULT_MAX_PENDING_SENDS, (send, onReceipt) => {
      this.watchForReceipt(send.receipt, onReceipt);
      this.publish({
        destination: send.destination,
        body: send.body,
        headers: { ...send.headers, receipt: send.receipt },
      });
    });
    // stompjs assigns its callbacks as instance fields; accessors on the instance let ours run first.
    Object.defineProperty(this, 'onConnect', {
      configurable: true,
      enumerable: true,
      get: () => this.handleConnect,
      set: (handler: (frame: IFrame) => void) => {
        this.userOnConnect = handler;
      },
    });
    Object.defineProperty(this, 'onWebSocketClose', {
      configurable: true,
      enumerable: true,
      get: () => this.handleSocketClose,
      set: (handler: (event: CloseEvent) => void) => {
        this.userOnSocketClose = handler;
      },
    });
    Object.defineProperty(this, 'onStompError', {
      configurable: true,
      enumerable: true,
      get: () => this.handleStompError,
      set: (handler: (frame: IFrame) => void) => {
        this.userOnStompError = handler;
      },
    });
    this.configure({
      reconnectDelay: minDelay ?? 1000,
      ...stomp,
      reconnectTimeMode: ReconnectionTimeMode.LINEAR,
    });
    this.webSocketFactory = () => new SockwireSocket(url, socket);
  }

  /**
   * Subscriptions first (each from where it stopped), then the unconfirmed sends in their order, then the
   * application's onConnect: whatever it sends goes out after them.
   */
  private readonly handleConnect = (frame: IFrame): void => {
    this.connectedAt = Date.now();
    for (const [id, subscription] of this.durable) {
      const headers = { ...subscription.headers };
      // An application's receipt belonged to the first SUBSCRIBE, whose watcher is gone with its connection.
      delete headers.receipt;
      subscription.cursor.resubscribing();
      this.subscribeNow(id, subscription, headers);
    }
    this.sends.resendAll();
    this.userOnConnect(frame);
  };

  /**
   * SUBSCRIBE with a receipt of ours, whose RECEIPT says where live delivery starts (so a subscription that
   * gets nothing before a cut still resumes from there); an application's own `receipt` is left to it.
   */
  private subscribeNow(id: string, subscription: DurableSubscription, appHeaders: StompHeaders): void {
    const headers = subscription.cursor.subscribeHeaders(appHeaders);
    if (headers.receipt === undefined) {
      const receipt = `sockwire-subscribe-${++nextReceiptId}`;
      this.watchForReceipt(receipt, (frame) => subscription.cursor.started(frame));
      headers.receipt = receipt;
    }
    super.subscribe(subscription.destination, subscription.deliver, { ...headers, id });
  }

  /**
   * Subscribe now if connected, and again after every reconnect. May be called before the first connect.
   * `unsubscribe()` on the result ends it for good.
   */
  override subscribe(
    destination: string,
    callback: (message: IMessage) => void,
    headers: StompHeaders = {},
  ): StompSubscription {
    const id = headers.id ?? `sub-${++nextSubscriptionId}`;
    const rest = { ...headers };
    delete rest.id;
    const cursor = new StreamCursor(id, destination, (gap) => this.onGap(gap));
    const deliver = (message: IMessage): void => {
      if (cursor.admit(message)) callback(message);
    };
    const subscription = { destination, deliver, headers: rest, cursor };
    this.durable.set(id, subscription);
    if (this.connected) this.subscribeNow(id, subscription, { ...rest });
    return {
      id,
      unsubscribe: (unsubscribeHeaders: StompHeaders = {}) => {
        if (!this.durable.delete(id)) return;
        if (this.connected) super.unsubscribe(id, unsubscribeHeaders);
      },
    };
  }

  override unsubscribe(id: string, headers: StompHeaders = {}): void {
    this.durable.delete(id);
    if (this.connected) super.unsubscribe(id, headers);
  }

  /**
   * Send and learn that the server has the message: resolves on its RECEIPT. Kept until then (also while
   * disconnected, up to `maxPendingSends`) and sent again after every reconnect, oldest first, with the same
   * `x-idempotency-key` so that the server publishes it once. Rejects with a StompSendError when the server
   * refuses it (an ERROR naming its receipt), and when `deactivate()` ends the client first. The client sets
   * `receipt`; an `x-idempotency-key` in `headers` is kept (one per message is generated otherwise).
   */
  send(destination: string, body = '', headers: StompHeaders = {}): Promise<void> {
    return this.sends.add(destination, body, headers, this.connected && this.active);
  }

  /**
   * Why the client stopped for good (see `onPermanentError`); undefined while it has not, and again after
   * `activate()`.
   */
  get failure(): StompPermanentError | undefined {
    return this.stoppedBy;
  }

  /** stompjs's activate, starting afresh after a permanent error: no failure, backoff from `minDelay`. */
  override activate(): void {
    this.stoppedBy = undefined;
    this.attempt = 0;
    super.activate();
  }

  /** stompjs's deactivate, then every send still unconfirmed is rejected (none will be retried). */
  override async deactivate(options: { force?: boolean } = {}): Promise<void> {
    await super.deactivate(options);
    this.sends.rejectAll(
      new Error('Sockwire STOMP: deactivate() ended the client before the server confirmed this send'),
    );
  }

  /** Publish `value` as a JSON body (`content-type: application/json`). */
  publishJson(destination: string, value: unknown, headers: StompHeaders = {}): void {
    this.publish({
      destination,
      body: JSON.stringify(value),
      headers: { 'content-type': 'application/json', ...headers },
    });
  }

  /** Subscribe with JSON bodies parsed; a body that is not JSON goes to `onJsonError` instead. */
  subscribeJson<T>(
    destination: string,
    callback: (value: T, message: IMessage) => void,
    headers: StompHeaders = {},
  ): StompSubscription {
    return this.subscribe(
      destination,
      (message) => {
        let value: T;
        try {
          value = JSON.parse(message.body) as T;
        } catch (error) {
          this.onJsonError(error as Error, message);
          return;
        }
        callback(value, message);
      },
      headers,
    );
  }

  /** The application's classification if it gives one, else the default (stomp-errors.ts). */
  private classify(frame: IFrame, closeCode?: number): StompErrorClass {
    return this.classifyError(frame, closeCode) ?? classifyStompError(frame, closeCode);
  }

  /**
   * An ERROR naming a send's receipt rejects that send (the server refused it), unless the error is transient:
   * then the send goes again after the reconnect, as after any cut. A send rejected so settles the ERROR: it will
   * not be repeated, so the reconnect that follows will not meet it again. Then the application's handler.
   */
  private readonly handleStompError = (frame: IFrame): void => {
    const settled = this.classify(frame) !== 'transient' && this.sends.refuse(frame);
    this.lastError = { frame, at: Date.now(), settled };
    this.userOnStompError(frame);
  };

  /**
   * Runs when the socket closes, just before stompjs schedules its reconnect with `_nextReconnectDelay`:
   * setting that field here gives full-jitter backoff instead of stompjs's fixed or doubling delay.
   * `reconnectDelay: 0` still disables reconnecting. After an ERROR that is `permanent`, the client stops
   * instead (onPermanentError); after an `unsure` one it waits longer (cautiousDelay), and its attempt count
   * does not start again however long the connection lasted.
   */
  private readonly handleSocketClose = (event: CloseEvent): void => {
    const error = this.lastError;
    this.lastError = undefined;
    let verdict: StompErrorClass | undefined;
    if (error !== undefined && Date.now() - error.at <= ERROR_CLOSE_WINDOW) {
      verdict = error.settled ? 'transient' : this.classify(error.frame, event.code);
    }
    const failure =
      this.active && verdict === 'permanent' && error
        ? new StompPermanentError(error.frame, event.code)
        : undefined;
    if (failure) {
      this.stop(failure);
    } else if (this.active && this.reconnectDelay > 0) {
      const lasted = this.connectedAt > 0 && Date.now() - this.connectedAt >= this.minUptime;
      if (lasted && verdict !== 'unsure') this.attempt = 0;
      const wait = verdict === 'unsure' ? cautiousDelay : backoffDelay;
      const delay = Math.max(1, wait(this.attempt, this.backoff, this.random));
      this.attempt += 1;
      (this as unknown as { _nextReconnectDelay: number })._nextReconnectDelay = delay;
      this.onReconnectScheduled(delay, this.attempt);
    }
    this.connectedAt = 0;
    this.userOnSocketClose(event);
    if (failure) {
      this.sends.rejectAll(failure);
      this.onPermanentError(failure);
    }
  };

  /**
   * Stop for good. stompjs has already let go of the closed connection when it calls onWebSocketClose, so its
   * deactivate() ends at once (INACTIVE), and stompjs, which looks at `active` right after, schedules nothing.
   */
  private stop(failure: StompPermanentError): void {
    this.stoppedBy = failure;
    void super.deactivate();
  }
}

/**
 * A stompjs Client over SockwireSocket: `createStompClient('https://host/stomp', { connectHeaders })`, then
 * `client.activate()`. See SockwireStompConfig for what is added to stompjs's options.
 */
export function createStompClient(url: string, config?: SockwireStompConfig): SockwireStompClient {
  return new SockwireStompClient(url, config);
}

export type { IFrame, IMessage, StompHeaders, StompSubscription } from '@stomp/stompjs';
export { DEFAULT_MAX_PENDING_SENDS, StompSendError } from './pending-sends.js';
export { classifyStompError, type StompErrorClass, StompPermanentError } from './stomp-errors.js';
export type { StompGap, StompGapReason } from './stream-tracker.js';
