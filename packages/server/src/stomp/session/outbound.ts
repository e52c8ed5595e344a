import type { StompClock } from '../clock.js';
import { encodeFrame } from '../codec/encoder.js';
import type { StompFrame, StompVersion } from '../codec/frame.js';
import type { StompConnection } from '../connection-port.js';
import type { StatsCollector } from '../stats.js';
import type { OutboundInterceptor, SessionInfo } from '../types.js';

export interface OutboundPolicy {
  readonly maxBufferedBytes: number;
  readonly sendTimeLimit: number;
  readonly interceptors: readonly OutboundInterceptor[];
}

/**
 * Everything a session writes goes through here: outbound interceptors, encoding for the negotiated version,
 * counting, and the slow-consumer rule. The connection keeps queueing what we write (so nothing is reordered
 * or lost while it drains); this only decides when a client has fallen too far behind to keep.
 */
export class Outbound {
  private readonly connection: StompConnection;
  private readonly clock: StompClock;
  private readonly policy: OutboundPolicy;
  private readonly stats: StatsCollector;
  private readonly info: SessionInfo;
  private readonly onWrite: () => void;
  private readonly onOverflow: (reason: string) => void;
  /** When write() last returned false with no drain since; undefined while the connection keeps up. */
  private blockedSince: number | undefined;
  /** Replays waiting for the connection to drain (see whenWritable). */
  private waiting: Array<() => void> = [];
  private open = true;

  constructor(
    connection: StompConnection,
    clock: StompClock,
    policy: OutboundPolicy,
    stats: StatsCollector,
    info: SessionInfo,
    hooks: { readonly onWrite: () => void; readonly onOverflow: (reason: string) => void },
  ) {
    this.connection = connection;
    this.clock = clock;
    this.policy = policy;
    this.stats = stats;
    this.info = info;
    this.onWrite = hooks.onWrite;
    this.onOverflow = hooks.onOverflow;
    connection.on('drain', this.drained);
  }

  get hasInterceptors(): boolean {
    return this.policy.interceptors.length > 0;
  }

  /** Encode and write a frame, after the outbound interceptors. */
  frame(frame: StompFrame, version: StompVersion | undefined): void {
    let out: StompFrame | null = frame;
    for (const interceptor of this.policy.interceptors) {
      const replaced = interceptor(out, this.info);
      if (replaced === null) return;
      if (replaced !== undefined) out = replaced;
    }
    this.text(encodeFrame(out, version), out.command);
  }

  /** Write already-encoded frame text (the fan-out path, which encodes shared parts once per message). */
  text(text: string, command: string): void {
    if (!this.open) return;
    this.stats.frameOut(command);
    this.write(text);
  }

  heartbeat(): void {
    if (!this.open) return;
    this.stats.heartbeatsOut++;
    this.write('\n');
  }

  /**
   * Flow control for a replay: true while the connection takes writes (its last write did not ask us to wait),
   * so that a long history goes out as fast as the client reads and never trips the slow-consumer rule;
   * otherwise `resume` runs at the connection's next drain, which a refused write always brings.
   */
  whenWritable(resume: () => void): boolean {
    if (!this.open) return false;
    if (this.blockedSince === undefined) return true;
    this.waiting.push(resume);
    return false;
  }

  /** Stop writing: the session is closing. */
  close(): void {
    this.open = false;
    this.waiting = [];
    this.connection.off('drain', this.drained);
  }

  private write(text: string): void {
    this.onWrite();
    if (this.connection.write(text)) return;
    const now = this.clock.now();
    if (this.blockedSince === undefined) {
      this.blockedSince = now;
    } else if (now - this.blockedSince > this.policy.sendTimeLimit) {
      this.overflow(`the client has not read for more than ${this.policy.sendTimeLimit} ms`);
      return;
    }
    const buffered = this.connection.bufferedAmount;
    if (buffered > this.policy.maxBufferedBytes) {
      this.overflow(
        `${buffered} bytes are waiting for the client, more than ${this.policy.maxBufferedBytes}`,
      );
    }
  }

  private overflow(reason: string): void {
    if (!this.open) return;
    this.onOverflow(reason);
  }

  private readonly drained = (): void => {
    this.blockedSince = undefined;
    const waiting = this.waiting;
    if (waiting.length === 0) return;
    this.waiting = [];
    for (const resume of waiting) resume();
  };
}
