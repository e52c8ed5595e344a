import type { StompFrame } from '../codec/frame.js';
import { StompError } from '../errors.js';
import { backoffDelay } from './backoff.js';
import type { ResolvedRelayOptions } from './options.js';
import { BROKER_NOT_AVAILABLE, UpstreamConnection } from './upstream.js';

/**
 * `connecting` → `available` (CONNECTED) → on loss `waiting` (a backoff timer) → `connecting` ... → `closed`.
 * A failed attempt also goes to `waiting`.
 */
export type SystemState = 'connecting' | 'available' | 'waiting' | 'closed';

export type AvailabilityListener = (available: boolean, detail: string) => void;

/**
 * The relay's shared connection (Spring's `_system_` connection): application messages (handler results,
 * server-side `publish` and `sendToUser`) go out through it, and it never subscribes. Its state is the
 * relay's view of the broker's availability: while it is down, new sessions are refused with
 * `Broker not available.`. It reconnects by itself, with full-jitter exponential backoff.
 */
export class SystemConnection {
  private currentState: SystemState = 'connecting';
  private readonly options: ResolvedRelayOptions;
  private readonly listeners = new Set<AvailabilityListener>();
  /** The current attempt; callbacks of an older one compare against it and are ignored. */
  private upstream: UpstreamConnection | undefined;
  private attempt = 0;
  private timer: unknown;

  constructor(options: ResolvedRelayOptions) {
    this.options = options;
    this.connect();
  }

  get state(): SystemState {
    return this.currentState;
  }

  get available(): boolean {
    return this.currentState === 'available';
  }

  /** Resolves once the broker accepted the frame (a relay receipt). */
  publish(frame: StompFrame): Promise<void> {
    if (this.currentState !== 'available' || this.upstream === undefined) {
      return Promise.reject(
        new StompError('broker', BROKER_NOT_AVAILABLE, 'no connection to the message broker'),
      );
    }
    return this.upstream.request(frame);
  }

  /** Called with `true` each time the connection comes up and `false` each time it is lost. */
  onChange(listener: AvailabilityListener): () => void {
    const entry: AvailabilityListener = (available, detail) => listener(available, detail);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  close(): void {
    if (this.currentState === 'closed') return;
    const wasAvailable = this.available;
    this.currentState = 'closed';
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const upstream = this.upstream;
    this.upstream = undefined;
    upstream?.close();
    if (wasAvailable) this.emit(false, 'the relay was closed');
  }

  private connect(): void {
    this.currentState = 'connecting';
    const upstream = new UpstreamConnection(
      this.options,
      this.options.system,
      'system connection',
      (error) => {
        if (this.upstream !== upstream) return;
        this.emit(false, `${error.summary} ${error.message}`);
        this.retry();
      },
    );
    this.upstream = upstream;
    upstream.ready.then(
      () => {
        if (this.upstream !== upstream) return;
        this.attempt = 0;
        this.currentState = 'available';
        this.emit(true, 'connected');
      },
      () => {
        if (this.upstream === upstream) this.retry();
      },
    );
  }

  private retry(): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'waiting';
    this.upstream = undefined;
    const delay = backoffDelay(this.attempt++, this.options.reconnect, this.options.random);
    this.options.log('info', `STOMP relay system connection: reconnecting in ${delay} ms`);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.currentState === 'waiting') this.connect();
    }, delay);
  }

  private emit(available: boolean, detail: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(available, detail);
      } catch (error) {
        this.options.log('error', `STOMP relay availability listener failed: ${String(error)}`);
      }
    }
  }
}
