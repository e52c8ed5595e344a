/*
 * The part of a @stomp/stompjs Client that SockwireStompClient hands through unchanged: its settings, its state
 * and the calls that need nothing of ours. SockwireStompClient wraps a Client rather than extending it so that it
 * sees every CONNECTED, ERROR and close before the application does, and schedules its own reconnects, through
 * stompjs's public callbacks alone: a subclass would have to take over the callback fields the application
 * assigns, and stompjs's private reconnect delay, which any stompjs release may change.
 *
 * Every member here exists in every stompjs of the peer range (^7.2). Not here: `reconnectDelay` (the wrapper's
 * own: 0 disables reconnecting), `maxReconnectDelay` and `reconnectTimeMode` (stompjs's reconnecting, which is
 * off: the backoff is `minDelay`, `maxDelay`, `factor`).
 */
import type {
  ActivationState,
  Client,
  frameCallbackType,
  IPublishParams,
  IStompSocket,
  ITransaction,
  StompHeaders,
} from '@stomp/stompjs';

/**
 * stompjs's settings and callbacks that SockwireStompClient reads and writes straight through: each is an
 * accessor of StompjsFacade's prototype over the same member of the wrapped Client.
 */
const PASSED_THROUGH = [
  'brokerURL',
  'webSocketFactory',
  'stompVersions',
  'connectHeaders',
  'disconnectHeaders',
  'connectionTimeout',
  'heartbeatIncoming',
  'heartbeatOutgoing',
  'heartbeatToleranceMultiplier',
  'heartbeatStrategy',
  'splitLargeFrames',
  'maxWebSocketChunkSize',
  'forceBinaryWSFrames',
  'appendMissingNULLonIncoming',
  'discardWebsocketOnCommFailure',
  'logRawCommunication',
  'debug',
  'onDisconnect',
  'onWebSocketError',
  'onUnhandledMessage',
  'onUnhandledReceipt',
  'onUnhandledFrame',
  'onHeartbeatReceived',
  'onHeartbeatLost',
] as const satisfies readonly (keyof Client)[];

type PassedThrough = (typeof PASSED_THROUGH)[number];

function assign<K extends PassedThrough>(client: Client, key: K, value: Client[K]): void {
  client[key] = value;
}

export abstract class StompjsFacade {
  /** The stompjs Client doing the STOMP work: its callbacks are the wrapper's, never the application's. */
  protected readonly stompjs: Client;

  declare brokerURL: Client['brokerURL'];
  /** Makes the socket of each connection: a SockwireSocket with the client's `socket` options by default. */
  declare webSocketFactory: Client['webSocketFactory'];
  declare stompVersions: Client['stompVersions'];
  declare connectHeaders: Client['connectHeaders'];
  declare disconnectHeaders: Client['disconnectHeaders'];
  declare connectionTimeout: Client['connectionTimeout'];
  declare heartbeatIncoming: Client['heartbeatIncoming'];
  declare heartbeatOutgoing: Client['heartbeatOutgoing'];
  declare heartbeatToleranceMultiplier: Client['heartbeatToleranceMultiplier'];
  declare heartbeatStrategy: Client['heartbeatStrategy'];
  declare splitLargeFrames: Client['splitLargeFrames'];
  declare maxWebSocketChunkSize: Client['maxWebSocketChunkSize'];
  declare forceBinaryWSFrames: Client['forceBinaryWSFrames'];
  declare appendMissingNULLonIncoming: Client['appendMissingNULLonIncoming'];
  declare discardWebsocketOnCommFailure: Client['discardWebsocketOnCommFailure'];
  declare logRawCommunication: Client['logRawCommunication'];
  declare debug: Client['debug'];
  declare onDisconnect: Client['onDisconnect'];
  declare onWebSocketError: Client['onWebSocketError'];
  declare onUnhandledMessage: Client['onUnhandledMessage'];
  declare onUnhandledReceipt: Client['onUnhandledReceipt'];
  declare onUnhandledFrame: Client['onUnhandledFrame'];
  declare onHeartbeatReceived: Client['onHeartbeatReceived'];
  declare onHeartbeatLost: Client['onHeartbeatLost'];

  static {
    for (const key of PASSED_THROUGH) {
      Object.defineProperty(StompjsFacade.prototype, key, {
        get(this: StompjsFacade) {
          return this.stompjs[key];
        },
        set(this: StompjsFacade, value: Client[PassedThrough]) {
          assign(this.stompjs, key, value);
        },
      });
    }
  }

  protected constructor(stompjs: Client) {
    this.stompjs = stompjs;
  }

  /** stompjs's: true while the STOMP session is up (CONNECTED received, connection open). */
  get connected(): boolean {
    return this.stompjs.connected;
  }

  /** stompjs's: ACTIVE from `activate()` (waits between reconnects included) until `deactivate()`. */
  get state(): ActivationState {
    return this.stompjs.state;
  }

  get active(): boolean {
    return this.stompjs.active;
  }

  /** The socket of the current connection (a SockwireSocket unless `webSocketFactory` was replaced). */
  get webSocket(): IStompSocket | undefined {
    return this.stompjs.webSocket;
  }

  get connectedVersion(): string | undefined {
    return this.stompjs.connectedVersion;
  }

  /** stompjs's: closes the socket without DISCONNECT, as a network failure would (the client reconnects). */
  forceDisconnect(): void {
    this.stompjs.forceDisconnect();
  }

  /** stompjs's, unchanged: sent now or never (see SockwireStompClient's `send` for a confirmed send). */
  publish(params: IPublishParams): void {
    this.stompjs.publish(params);
  }

  watchForReceipt(receiptId: string, callback: frameCallbackType): void {
    this.stompjs.watchForReceipt(receiptId, callback);
  }

  begin(transactionId?: string): ITransaction {
    return this.stompjs.begin(transactionId);
  }

  commit(transactionId: string): void {
    this.stompjs.commit(transactionId);
  }

  abort(transactionId: string): void {
    this.stompjs.abort(transactionId);
  }

  ack(messageId: string, subscriptionId: string, headers?: StompHeaders): void {
    this.stompjs.ack(messageId, subscriptionId, headers);
  }

  nack(messageId: string, subscriptionId: string, headers?: StompHeaders): void {
    this.stompjs.nack(messageId, subscriptionId, headers);
  }
}
