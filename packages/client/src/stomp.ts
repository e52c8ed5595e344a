/*
 * `@sockwire/client/stomp`: a @stomp/stompjs Client whose sockets are SockwireSockets (with fallback), which
 * restores the application's subscriptions after every reconnect and backs off with full jitter.
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
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { SockwireSocket } from './index.js';
import type { SockwireSocketOptions } from './options.js';

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
}

/** A subscription that outlives connections: re-made, with the same id, on every (re)connect. */
interface DurableSubscription {
  readonly destination: string;
  readonly callback: (message: IMessage) => void;
  readonly headers: StompHeaders;
}

let nextSubscriptionId = 0;

export class SockwireStompClient extends Client {
  private readonly durable = new Map<string, DurableSubscription>();
  private readonly backoff: BackoffOptions;
  private readonly minUptime: number;
  private readonly random: () => number;
  private readonly onReconnectScheduled: (delay: number, attempt: number) => void;
  private readonly onJsonError: (error: Error, message: IMessage) => void;
  private attempt = 0;
  private connectedAt = 0;
  private userOnConnect: (frame: IFrame) => void = () => {};
  private userOnSocketClose: (event: CloseEvent) => void = () => {};

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
      ...stomp
    } = config;
    super();
    this.backoff = { minDelay, maxDelay, factor };
    this.minUptime = minUptime ?? 5000;
    this.random = random ?? Math.random;
    this.onReconnectScheduled = onReconnectScheduled ?? (() => {});
    this.onJsonError = onJsonError ?? ((error) => this.debug(`JSON body rejected: ${error.message}`));
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
    this.configure({
      reconnectDelay: minDelay ?? 1000,
      ...stomp,
      reconnectTimeMode: ReconnectionTimeMode.LINEAR,
    });
    this.webSocketFactory = () => new SockwireSocket(url, socket);
  }

  private readonly handleConnect = (frame: IFrame): void => {
    this.connectedAt = Date.now();
    for (const [id, subscription] of this.durable) {
      super.subscribe(subscription.destination, subscription.callback, { ...subscription.headers, id });
    }
    this.userOnConnect(frame);
  };

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
    this.durable.set(id, { destination, callback, headers: rest });
    if (this.connected) super.subscribe(destination, callback, { ...rest, id });
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

  /**
   * Runs when the socket closes, just before stompjs schedules its reconnect with `_nextReconnectDelay`:
   * setting that field here gives full-jitter backoff instead of stompjs's fixed or doubling delay.
   * `reconnectDelay: 0` still disables reconnecting.
   */
  private readonly handleSocketClose = (event: CloseEvent): void => {
    if (this.active && this.reconnectDelay > 0) {
      if (this.connectedAt > 0 && Date.now() - this.connectedAt >= this.minUptime) this.attempt = 0;
      const delay = Math.max(1, backoffDelay(this.attempt, this.backoff, this.random));
      this.attempt += 1;
      (this as unknown as { _nextReconnectDelay: number })._nextReconnectDelay = delay;
      this.onReconnectScheduled(delay, this.attempt);
    }
    this.connectedAt = 0;
    this.userOnSocketClose(event);
  };
}

/**
 * A stompjs Client over SockwireSocket: `createStompClient('https://host/stomp', { connectHeaders })`, then
 * `client.activate()`. See SockwireStompConfig for what is added to stompjs's options.
 */
export function createStompClient(url: string, config?: SockwireStompConfig): SockwireStompClient {
  return new SockwireStompClient(url, config);
}

export type { IFrame, IMessage, StompHeaders, StompSubscription } from '@stomp/stompjs';
