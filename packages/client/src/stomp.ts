/*
 * `@sockwire/client/stomp`: a STOMP client on @stomp/stompjs whose sockets are SockwireSockets (with fallback),
 * which restores the application's subscriptions after every reconnect (resuming each from the last message it
 * got, stream-tracker.ts), confirms `send()`s across reconnects (pending-sends.ts), backs off with full jitter
 * (stomp-reconnects.ts), and stops for good on an ERROR that would only be repeated (stomp-errors.ts). It wraps a
 * stompjs Client and uses only stompjs's public API (why: stomp-facade.ts).
 * @stomp/stompjs is a peer dependency of this entry only; the core entry stays dependency-free.
 */
import {
  type ActivationState,
  Client,
  type closeEventCallbackType,
  type frameCallbackType,
  type IFrame,
  type IMessage,
  type StompHeaders,
  type StompSubscription,
} from '@stomp/stompjs';
import type { Clock } from './env.js';
import { resolveEnv } from './env.js';
import { SockwireSocket } from './index.js';
import { DEFAULT_MAX_PENDING_SENDS, PendingSends } from './pending-sends.js';
import type { SockwireStompConfig, SockwireStompSettings } from './stomp-config.js';
import { classifyStompError, type StompErrorClass, StompPermanentError } from './stomp-errors.js';
import { StompjsFacade } from './stomp-facade.js';
import { StompReconnects } from './stomp-reconnects.js';
import { type StompGap, StreamCursor } from './stream-tracker.js';

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

export class SockwireStompClient extends StompjsFacade {
  /** stompjs's callbacks, which run after the client's own work (subscriptions and sends restored, ...). */
  onConnect: frameCallbackType = () => {};
  onStompError: frameCallbackType = () => {};
  onWebSocketClose: closeEventCallbackType = () => {};
  onChangeState: (state: ActivationState) => void = () => {};
  /** Before each connection attempt (e.g. to refresh `connectHeaders`); awaited. */
  beforeConnect: (client: SockwireStompClient) => void | Promise<void> = () => {};
  /** 0: never reconnect. Any other value: reconnect, after the backoff's delay (this value plays no part in it). */
  reconnectDelay: number;
  private readonly durable = new Map<string, DurableSubscription>();
  private readonly clock: Clock;
  private readonly reconnects: StompReconnects;
  private readonly onReconnectScheduled: (delay: number, attempt: number) => void;
  private readonly onJsonError: (error: Error, message: IMessage) => void;
  private readonly onGap: (gap: StompGap) => void;
  private readonly sends: PendingSends;
  private readonly onPermanentError: (error: StompPermanentError) => void;
  private readonly classifyError: (frame: IFrame, closeCode?: number) => StompErrorClass | undefined;
  /** The last ERROR of the current connection, when it came, and whether it settled a send (rejected it). */
  private lastError: { frame: IFrame; at: number; settled: boolean } | undefined;
  private stoppedBy: StompPermanentError | undefined;
  /** stompjs is being deactivated and activated again to reconnect (reconnectNow): not the application's doing. */
  private restarting = false;

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
      ...settings
    } = config;
    super(new Client());
    this.clock = resolveEnv(socket ?? {}).clock;
    this.reconnects = new StompReconnects(this.clock, {
      backoff: { minDelay, maxDelay, factor },
      minUptime: minUptime ?? 5000,
      random: random ?? Math.random,
    });
    this.reconnectDelay = minDelay ?? 1000;
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
    // stompjs's callbacks are the client's own; the application's, set on this object, run from them.
    const stompjs = this.stompjs;
    stompjs.onConnect = (frame: IFrame) => this.handleConnect(frame);
    stompjs.onStompError = (frame: IFrame) => this.handleStompError(frame);
    stompjs.onWebSocketClose = (event: CloseEvent) => this.handleSocketClose(event);
    stompjs.onChangeState = (state: ActivationState) => {
      if (!this.restarting) this.onChangeState(state);
    };
    stompjs.beforeConnect = () => this.beforeConnect(this);
    stompjs.webSocketFactory = () => new SockwireSocket(url, socket);
    this.configure(settings);
  }

  /**
   * stompjs's `configure`: the callbacks above and `reconnectDelay` are kept here, the rest is stompjs's. stompjs
   * itself never reconnects (its `reconnectDelay` stays 0, its documented "no reconnect"): StompReconnects does.
   */
  configure(settings: SockwireStompSettings): void {
    const {
      onConnect,
      onStompError,
      onWebSocketClose,
      onChangeState,
      beforeConnect,
      reconnectDelay,
      ...rest
    } = settings;
    if (onConnect) this.onConnect = onConnect;
    if (onStompError) this.onStompError = onStompError;
    if (onWebSocketClose) this.onWebSocketClose = onWebSocketClose;
    if (onChangeState) this.onChangeState = onChangeState;
    if (beforeConnect) this.beforeConnect = beforeConnect;
    if (reconnectDelay !== undefined) this.reconnectDelay = reconnectDelay;
    this.stompjs.configure({ ...rest, reconnectDelay: 0 });
  }

  /**
   * Subscriptions first (each from where it stopped), then the unconfirmed sends in their order, then the
   * application's onConnect: whatever it sends goes out after them.
   */
  private handleConnect(frame: IFrame): void {
    this.reconnects.connected();
    for (const [id, subscription] of this.durable) {
      const headers = { ...subscription.headers };
      // An application's receipt belonged to the first SUBSCRIBE, whose watcher is gone with its connection.
      delete headers.receipt;
      subscription.cursor.resubscribing();
      this.subscribeNow(id, subscription, headers);
    }
    this.sends.resendAll();
    this.onConnect(frame);
  }

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
    this.stompjs.subscribe(subscription.destination, subscription.deliver, { ...headers, id });
  }

  /**
   * Subscribe now if connected, and again after every reconnect. May be called before the first connect.
   * `unsubscribe()` on the result ends it for good.
   */
  subscribe(
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
        if (this.connected) this.stompjs.unsubscribe(id, unsubscribeHeaders);
      },
    };
  }

  unsubscribe(id: string, headers: StompHeaders = {}): void {
    this.durable.delete(id);
    if (this.connected) this.stompjs.unsubscribe(id, headers);
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
  activate(): void {
    this.stoppedBy = undefined;
    this.reconnects.reset();
    this.stompjs.activate();
  }

  /** stompjs's deactivate, then every send still unconfirmed is rejected (none will be retried). */
  async deactivate(options: { force?: boolean } = {}): Promise<void> {
    this.reconnects.cancel();
    await this.stompjs.deactivate(options);
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
  private handleStompError(frame: IFrame): void {
    const settled = this.classify(frame) !== 'transient' && this.sends.refuse(frame);
    this.lastError = { frame, at: this.clock.now(), settled };
    this.onStompError(frame);
  }

  /**
   * The socket closed (stompjs has let go of the connection). After an ERROR that is `permanent`, the client
   * stops (onPermanentError); otherwise, while active and unless `reconnectDelay` is 0, it reconnects after the
   * backoff, longer after an `unsure` ERROR (stomp-reconnects.ts). The timer is set before the application's
   * onWebSocketClose runs, so that a `deactivate()` there cancels it.
   */
  private handleSocketClose(event: CloseEvent): void {
    const error = this.lastError;
    this.lastError = undefined;
    let verdict: StompErrorClass | undefined;
    if (error !== undefined && this.clock.now() - error.at <= ERROR_CLOSE_WINDOW) {
      verdict = error.settled ? 'transient' : this.classify(error.frame, event.code);
    }
    const failure =
      this.active && verdict === 'permanent' && error
        ? new StompPermanentError(error.frame, event.code)
        : undefined;
    if (failure) {
      this.reconnects.closed();
      this.stop(failure);
    } else if (this.active && this.reconnectDelay > 0) {
      const { delay, attempt } = this.reconnects.schedule(verdict === 'unsure', () => this.reconnectNow());
      this.onReconnectScheduled(delay, attempt);
    } else {
      this.reconnects.closed();
    }
    this.onWebSocketClose(event);
    if (failure) {
      this.sends.rejectAll(failure);
      this.onPermanentError(failure);
    }
  }

  /**
   * Connect again with stompjs's public calls only. stompjs stays ACTIVE after a close it does not reconnect
   * from, and ignores `activate()` while ACTIVE, so: `deactivate()`, which with no connection left ends at once
   * (INACTIVE, nothing to wait for), then `activate()`, which connects. The application's onChangeState does not
   * see the round trip: for it the client stayed ACTIVE.
   */
  private reconnectNow(): void {
    if (!this.active || this.webSocket !== undefined) return;
    this.restarting = true;
    try {
      void this.stompjs.deactivate();
      this.stompjs.activate();
    } finally {
      this.restarting = false;
    }
  }

  /**
   * Stop for good. stompjs has already let go of the closed connection when it calls onWebSocketClose, so its
   * deactivate() ends at once (INACTIVE), and stompjs, which looks at `active` right after, schedules nothing.
   */
  private stop(failure: StompPermanentError): void {
    this.stoppedBy = failure;
    void this.stompjs.deactivate();
  }
}

/**
 * A STOMP client over SockwireSocket, with stompjs's Client's members: `createStompClient('https://host/stomp',
 * { connectHeaders })`, then `client.activate()`. See SockwireStompConfig for what is added to stompjs's options.
 */
export function createStompClient(url: string, config?: SockwireStompConfig): SockwireStompClient {
  return new SockwireStompClient(url, config);
}

export type { IFrame, IMessage, StompHeaders, StompSubscription } from '@stomp/stompjs';
export { DEFAULT_MAX_PENDING_SENDS, StompSendError } from './pending-sends.js';
export type { SockwireStompConfig, SockwireStompSettings } from './stomp-config.js';
export { classifyStompError, type StompErrorClass, StompPermanentError } from './stomp-errors.js';
export type { StompGap, StompGapReason } from './stream-tracker.js';
