import net from 'node:net';
import { encodeFrame } from '../codec/encoder.js';
import { getHeader, type StompFrame } from '../codec/frame.js';
import { StompParser } from '../codec/parser.js';
import { BROKER_NOT_AVAILABLE, StompError } from '../errors.js';
import { negotiateHeartbeat, parseHeartbeat } from '../negotiate.js';
import { HeartbeatMonitor } from '../session/heartbeat.js';
import type { RelayCredentials, ResolvedRelayOptions } from './options.js';
import { ReceiptTracker } from './receipts.js';

/**
 * `connecting` (TCP, then CONNECT until CONNECTED) → `connected` → `closed` (lost, refused, or closed by its
 * owner). Nothing is written outside `connected`, and every callback of a closed connection is ignored.
 */
export type UpstreamState = 'connecting' | 'connected' | 'closed';

export { BROKER_NOT_AVAILABLE };
export const BROKER_CONNECTION_CLOSED = 'Connection to broker closed.';

/**
 * One STOMP client connection from this server to the external broker, over TCP: the CONNECT handshake with
 * the relay's credentials, heart-beats, relay-owned receipts, and MESSAGE frames routed by subscription id.
 * Both a client session's link and the system connection are one of these.
 */
export class UpstreamConnection {
  /** Resolves on CONNECTED; rejects with a `Broker not available.` StompError. */
  readonly ready: Promise<void>;
  private currentState: UpstreamState = 'connecting';
  private readonly options: ResolvedRelayOptions;
  private readonly label: string;
  private readonly lost: (error: StompError) => void;
  private readonly socket: net.Socket;
  private readonly parser: StompParser;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly receipts = new ReceiptTracker();
  private readonly routes = new Map<string, (frame: StompFrame) => void>();
  private timer: unknown;
  private corked = false;
  private socketError: Error | undefined;
  /** Settled at the next `drain` (or close): what senders wait on while the socket's buffer is full. */
  private drainWaiter: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;
  private settleReady: { resolve: () => void; reject: (error: StompError) => void } | undefined;

  /** `lost` is called at most once, for a connection that was CONNECTED and broke; never after `close()`. */
  constructor(
    options: ResolvedRelayOptions,
    credentials: RelayCredentials,
    label: string,
    lost: (error: StompError) => void,
  ) {
    this.options = options;
    this.label = label;
    this.lost = lost;
    this.ready = new Promise((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    // Owners await `ready`; this only keeps a connection closed before anyone did from an unhandled rejection.
    this.ready.catch(() => {});
    this.heartbeat = new HeartbeatMonitor(options.clock, {
      sendBeat: () => this.write('\n'),
      onTimeout: () =>
        this.fail(`nothing was received for ${this.options.heartbeatTolerance} heart-beat intervals`),
    });
    this.parser = new StompParser({ limits: options.limits, onFrame: (frame) => this.onFrame(frame) });
    this.timer = options.clock.setTimeout(
      () => this.fail(`no CONNECTED within ${options.connectTimeout} ms`),
      options.connectTimeout,
    );
    this.socket = net.connect({ host: options.host, port: options.port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.sendConnect(credentials));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => this.releaseWriters());
    this.socket.on('error', (error) => {
      this.socketError = error;
    });
    this.socket.on('close', () => this.fail(this.closeDetail()));
  }

  get state(): UpstreamState {
    return this.currentState;
  }

  /**
   * Write a frame. Returns a promise while the socket's buffer is full, so that a client sending faster than
   * the broker reads is held back (its session stops processing frames) instead of filling memory.
   */
  send(frame: StompFrame): Promise<void> | undefined {
    if (this.currentState !== 'connected') return undefined;
    if (this.write(encodeFrame(frame, '1.2'))) return undefined;
    if (this.drainWaiter === undefined) {
      let resolve = (): void => {};
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.drainWaiter = { promise, resolve };
    }
    return this.drainWaiter.promise;
  }

  /** Write a frame with a relay-owned receipt; resolves on the broker's RECEIPT. */
  request(frame: StompFrame): Promise<void> {
    if (this.currentState !== 'connected') {
      return Promise.reject(
        new StompError('broker', BROKER_CONNECTION_CLOSED, 'the relay connection is closed'),
      );
    }
    const { id, settled } = this.receipts.next();
    this.send({ ...frame, headers: [...frame.headers, ['receipt', id]] });
    return settled;
  }

  /** MESSAGE frames whose `subscription` is `id` go to `handler`. */
  route(id: string, handler: (frame: StompFrame) => void): void {
    this.routes.set(id, handler);
  }

  unroute(id: string): void {
    this.routes.delete(id);
  }

  hasRoute(id: string): boolean {
    return this.routes.has(id);
  }

  /** DISCONNECT and end the connection; what is still pending fails, and `lost` is not called. */
  close(): void {
    if (this.currentState === 'closed') return;
    const wasConnected = this.currentState === 'connected';
    this.finish(new StompError('broker', BROKER_CONNECTION_CLOSED, 'the relay connection was closed'));
    if (!wasConnected) {
      this.socket.destroy();
      return;
    }
    // The broker closes its side on DISCONNECT (unacknowledged messages go back to their queues then).
    this.socket.end(encodeFrame({ command: 'DISCONNECT', headers: [], body: '' }, '1.2'));
    const timer = this.options.clock.setTimeout(() => this.socket.destroy(), this.options.connectTimeout);
    this.socket.once('close', () => this.options.clock.clearTimeout(timer));
  }

  private sendConnect(credentials: RelayCredentials): void {
    const { heartbeat, virtualHost } = this.options;
    const connect: StompFrame = {
      command: 'CONNECT',
      headers: [
        ['accept-version', '1.2'],
        ['host', virtualHost ?? '/'],
        ['login', credentials.login],
        ['passcode', credentials.passcode],
        ['heart-beat', `${heartbeat.send},${heartbeat.receive}`],
      ],
      body: '',
    };
    this.write(encodeFrame(connect, undefined));
  }

  private onData(chunk: Buffer): void {
    if (this.currentState === 'closed') return;
    this.heartbeat.read();
    try {
      this.parser.pushBytes(chunk);
    } catch (error) {
      this.fail(`unreadable data from the broker: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private onFrame(frame: StompFrame): void {
    if (this.currentState === 'closed') return;
    switch (frame.command) {
      case 'MESSAGE':
        this.routes.get(getHeader(frame.headers, 'subscription') ?? '')?.(frame);
        return;
      case 'RECEIPT':
        this.receipts.settle(getHeader(frame.headers, 'receipt-id') ?? '');
        return;
      case 'CONNECTED':
        this.onConnected(frame);
        return;
      case 'ERROR':
        this.onError(frame);
        return;
    }
  }

  private onConnected(frame: StompFrame): void {
    if (this.currentState !== 'connecting') return;
    // 1.2 only: ACK by the MESSAGE's `ack` id, and CR escaping, are what the relay relies on.
    const version = getHeader(frame.headers, 'version');
    if (version !== '1.2') {
      this.fail(`the broker speaks STOMP ${version ?? '1.0'}; the relay needs 1.2`);
      return;
    }
    this.parser.setVersion(version);
    this.currentState = 'connected';
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    // The spec's rule from our side: we are the client here, the broker's answer is the server's offer.
    const broker = parseHeartbeat(getHeader(frame.headers, 'heart-beat')) ?? { send: 0, receive: 0 };
    this.heartbeat.start(negotiateHeartbeat(broker, this.options.heartbeat), this.options.heartbeatTolerance);
    this.settleReady?.resolve();
    this.options.log(
      'debug',
      `STOMP relay ${this.label}: connected to ${this.options.host}:${this.options.port}`,
    );
  }

  /** The broker's ERROR: what it says reaches the client, whose session ends with it. */
  private onError(frame: StompFrame): void {
    const message = getHeader(frame.headers, 'message') ?? 'Broker error';
    if (this.currentState === 'connecting') {
      this.fail(`the broker refused the relay's CONNECT: ${message}`);
      return;
    }
    this.fail(new StompError('broker', message, frame.body === '' ? message : frame.body));
  }

  private fail(reason: string | StompError): void {
    if (this.currentState === 'closed') return;
    const wasConnected = this.currentState === 'connected';
    const detail = typeof reason === 'string' ? reason : `${reason.summary}: ${reason.message}`;
    this.options.log(
      wasConnected ? 'info' : 'error',
      `STOMP relay ${this.label}: ${this.options.host}:${this.options.port}: ${detail}`,
    );
    let error: StompError;
    if (typeof reason !== 'string') error = reason;
    else if (wasConnected) error = new StompError('broker', BROKER_CONNECTION_CLOSED, reason);
    else error = new StompError('broker', BROKER_NOT_AVAILABLE, `the relay could not connect: ${reason}`);
    this.finish(error);
    this.socket.destroy();
    if (wasConnected) this.lost(error);
  }

  /** Enter `closed`: stop timers, fail what waits. */
  private finish(error: StompError): void {
    const wasConnecting = this.currentState === 'connecting';
    this.currentState = 'closed';
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.heartbeat.stop();
    this.routes.clear();
    this.receipts.failAll(error);
    // Held-back senders go on; their session learns of the loss through `lost` or a failed receipt.
    this.releaseWriters();
    if (wasConnecting) {
      const notAvailable =
        error.summary === BROKER_NOT_AVAILABLE
          ? error
          : new StompError(
              'broker',
              BROKER_NOT_AVAILABLE,
              'the relay connection was closed while connecting',
            );
      this.settleReady?.reject(notAvailable);
    }
    this.settleReady = undefined;
  }

  private write(text: string): boolean {
    this.heartbeat.wrote();
    if (!this.corked) {
      // Frames written in one tick (a client's batch of SENDs, a COMMIT) leave in one syscall.
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return this.socket.write(text);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  private releaseWriters(): void {
    this.drainWaiter?.resolve();
    this.drainWaiter = undefined;
  }

  private closeDetail(): string {
    const error = this.socketError as (Error & { code?: string }) | undefined;
    if (error === undefined) return 'the broker closed the connection';
    return error.code === undefined ? error.message : `${error.code} (${error.message})`;
  }
}
