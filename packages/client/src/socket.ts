import { quoteClientMessage } from '@sockwire/protocol';
import { ABNORMAL, HEARTBEAT_TIMEOUT, NORMAL } from './close-codes.js';
import { resolveEnv } from './env.js';
import { SockwireCloseEvent } from './events.js';
import { connect } from './negotiate.js';
import {
  DEFAULT_HEARTBEAT_TIMEOUT,
  DEFAULT_MAX_BUFFERED_AMOUNT,
  type SockwireSocketOptions,
} from './options.js';
import type { Transport, TransportFactory, TransportName } from './transports/transport.js';
import { parseServiceUrl } from './url.js';
import { checkCloseArguments, utf8Length } from './util.js';

type ReadyState = 0 | 1 | 2 | 3;
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

type Handler<E> = ((this: SockwireSocket, event: E) => unknown) | null;

/**
 * A WebSocket-compatible socket over the SockJS protocol: asks `/info`, then opens the first transport that
 * works, and from there behaves like a `WebSocket` carrying text.
 *
 * This class knows no transport by itself: `options.transports` passes them in, and a subclass may list
 * defaults in the static `transports` (the package's main entry does, with all four).
 */
export class SockwireSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  /** Transports used when `options.transports` is absent, and what names in it resolve to. */
  static transports: readonly TransportFactory[] = [];

  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  /** The service URL, resolved (`ws:` given becomes `http:`). Set in the constructor (`declare`: no field emitted). */
  declare readonly url: string;
  /** SockJS negotiates no subprotocol. */
  readonly protocol = '';
  readonly extensions = '';
  /** Accepted for compatibility; SockJS carries text only, so it changes nothing. */
  binaryType = 'blob';

  onopen: Handler<Event> = null;
  onmessage: Handler<MessageEvent<string>> = null;
  onclose: Handler<SockwireCloseEvent> = null;
  onerror: Handler<Event> = null;

  #state: ReadyState = CONNECTING;
  #current: Transport | undefined;
  #currentName: TransportName | null = null;
  /**
   * Moves to CLOSING or CLOSED and lets go of everything running: /info, negotiation, transport, heartbeat
   * timer. False when the socket is there already: states only move forward, CONNECTING, OPEN, CLOSING,
   * CLOSED (steps may be skipped).
   */
  readonly #shutDown: (next: typeof CLOSING | typeof CLOSED) => boolean;
  readonly #options: SockwireSocketOptions;

  constructor(url: string, options: SockwireSocketOptions = {}) {
    super();
    const base = parseServiceUrl(url);
    this.url = base.href;
    this.#options = options;
    const env = resolveEnv(options);
    const { clock } = env;
    const known = new.target.transports;
    const candidates = (options.transports ?? known).map((entry) => {
      const found =
        typeof entry === 'string' ? known.find((transport) => transport.transportName === entry) : entry;
      if (!found) throw new TypeError(`Unknown transport: ${entry}`);
      return found;
    });
    // The on* properties behave as listeners registered first, like the DOM's event handler attributes.
    for (const type of ['open', 'message', 'close', 'error'] as const) {
      this.addEventListener(type, (event) => this[`on${type}`]?.call(this, event as never));
    }

    // The heartbeat watch lives here, beside the callbacks that start and feed it: closure variables rather
    // than private fields and methods (`this.#x` at every use), which also makes the script-tag file smaller.
    let lastReceived = 0;
    let heartbeatTimer: unknown;
    let watching = false;
    /**
     * One timer per heartbeat period rather than one per frame: it wakes when the period would end if nothing
     * more arrived, and re-arms for the remainder if something did.
     */
    const watchHeartbeat = (): void => {
      const limit = options.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT;
      watching = true;
      if (limit <= 0) return;
      const check = (): void => {
        const idle = clock.now() - lastReceived;
        if (idle < limit) {
          heartbeatTimer = clock.setTimeout(check, limit - idle);
        } else {
          this.#finish(HEARTBEAT_TIMEOUT, `Heartbeat timed out after ${idle} ms`, false);
        }
      };
      heartbeatTimer = clock.setTimeout(check, limit);
    };

    // Once the socket is closing, late callbacks (of a misbehaving transport, say) are ignored.
    const cancel = connect(env, base, candidates, options, {
      open: (transport, factory) => {
        // No state check: closing cancels the negotiation first, so it only ever opens a connecting socket.
        this.#state = OPEN;
        this.#current = transport;
        this.#currentName = factory.transportName;
        lastReceived = clock.now();
        if (!factory.heartbeatsOptional) watchHeartbeat();
        this.dispatchEvent(new Event('open'));
      },
      frame: (frame) => {
        if (this.#state !== OPEN) return;
        lastReceived = clock.now();
        switch (frame.type) {
          case 'open':
            // A second open frame: the server restarted and made a new session under our id.
            this.#finish(ABNORMAL, 'Server lost session', false);
            break;
          case 'heartbeat':
            // The server does send heartbeats on this transport: from now on, silence means trouble.
            if (!watching) watchHeartbeat();
            this.dispatchEvent(new Event('heartbeat'));
            break;
          case 'messages':
            for (const data of frame.messages) {
              // A handler may have closed the socket half-way through a batch.
              if (this.#state !== OPEN) break;
              this.dispatchEvent(new MessageEvent('message', { data }));
            }
            break;
          case 'close':
            this.#finish(frame.code, frame.reason, true);
            break;
        }
      },
      close: (code, reason, wasClean) => this.#state <= OPEN && this.#finish(code, reason, wasClean),
    });
    this.#shutDown = (next) => {
      if (next <= this.#state) return false;
      this.#state = next;
      cancel();
      clock.clearTimeout(heartbeatTimer);
      this.#current?.close();
      return true;
    };
  }

  get readyState(): ReadyState {
    return this.#state;
  }

  /** The transport in use (`null` until open). */
  get transport(): TransportName | null {
    return this.#currentName;
  }

  /** UTF-8 bytes passed to `send()` that have not yet gone out. */
  get bufferedAmount(): number {
    return this.#current?.buffered() ?? 0;
  }

  /**
   * Send a text message. Throws `InvalidStateError` while connecting, `QuotaExceededError` past
   * `maxBufferedAmount`, and `TypeError` for binary data (SockJS carries text only). After close, it
   * silently does nothing, as a WebSocket does.
   */
  send(data: string): void {
    if (typeof data !== 'string') throw new TypeError('SockJS sends text only');
    if (this.#state === CONNECTING) throw new DOMException('Still connecting', 'InvalidStateError');
    if (this.#state !== OPEN) return;
    const bytes = utf8Length(data);
    const limit = this.#options.maxBufferedAmount ?? DEFAULT_MAX_BUFFERED_AMOUNT;
    if (this.bufferedAmount + bytes > limit) {
      throw new DOMException(`Over maxBufferedAmount (${limit} bytes)`, 'QuotaExceededError');
    }
    (this.#current as Transport).send(quoteClientMessage(data), bytes);
  }

  /** Close with 1000 or an application code (3000-4999) and a reason of at most 123 UTF-8 bytes. */
  close(code?: number, reason?: string): void {
    checkCloseArguments(code, reason);
    if (!this.#shutDown(CLOSING)) return;
    // The close event comes later, as a WebSocket's does: code right after close() still sees CLOSING.
    queueMicrotask(() => this.#finish(code ?? NORMAL, reason ?? 'Normal closure', true));
  }

  #finish(code: number, reason: string, wasClean: boolean): void {
    if (!this.#shutDown(CLOSED)) return;
    if (!wasClean) this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new SockwireCloseEvent(code, reason, wasClean));
  }
}
