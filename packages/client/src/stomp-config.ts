/*
 * What `createStompClient` and `configure()` take: stompjs's settings, and what the Sockwire STOMP client adds
 * (socket options, backoff, confirmed sends, resume, permanent errors).
 */
import type { IFrame, IMessage, StompConfig } from '@stomp/stompjs';
import type { BackoffOptions } from './backoff.js';
import type { SockwireSocketOptions } from './options.js';
import type { SockwireStompClient } from './stomp.js';
import type { StompErrorClass, StompPermanentError } from './stomp-errors.js';
import type { StompGap } from './stream-tracker.js';

/** stompjs's settings, as `configure()` takes them; `beforeConnect` is given this client. */
export type SockwireStompSettings = Omit<StompConfig, 'beforeConnect'> & {
  beforeConnect?: (client: SockwireStompClient) => void | Promise<void>;
};

export interface SockwireStompConfig
  extends Omit<SockwireStompSettings, 'webSocketFactory' | 'brokerURL'>,
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
