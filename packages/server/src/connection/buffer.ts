/** The outbound limits every kind of connection applies (the server's highWaterMark and maxBufferedBytes). */
export interface BufferLimits {
  /** Bytes outstanding at or above which `write()` returns false and a `drain` is owed. */
  readonly highWaterMark: number;
  /** Bytes outstanding above which the client is taken for one that does not read, and is closed. */
  readonly maxBufferedBytes: number;
}

/**
 * What `write()` must do after queueing a message: carry on, tell the caller to wait for `drain`, or close the
 * connection for overflow (the message is then dropped with the rest).
 */
export type WriteVerdict = 'accepted' | 'wait' | 'overflow';

/**
 * The backpressure policy of one connection. It does not hold the bytes (a session's queue, a socket's buffer
 * does): it is told how many are outstanding, and remembers whether a `drain` is owed.
 */
export class OutboundBuffer {
  private owed = false;
  private readonly limits: BufferLimits;

  constructor(limits: BufferLimits) {
    this.limits = limits;
  }

  get highWaterMark(): number {
    return this.limits.highWaterMark;
  }

  get maxBufferedBytes(): number {
    return this.limits.maxBufferedBytes;
  }

  /** True between a `write()` that returned false and the `drain` that answers it. */
  get drainOwed(): boolean {
    return this.owed;
  }

  /** The verdict on a write that left `buffered` bytes outstanding. */
  admit(buffered: number): WriteVerdict {
    if (buffered > this.limits.maxBufferedBytes) return 'overflow';
    if (buffered < this.limits.highWaterMark) return 'accepted';
    this.owed = true;
    return 'wait';
  }

  /**
   * True once, when a drain is owed and `buffered` fell under the high-water mark: emit `drain` now. Callers
   * test `drainOwed` first, so that the outstanding bytes are only measured when a drain is owed.
   */
  drainDue(buffered: number): boolean {
    if (!this.owed || buffered >= this.limits.highWaterMark) return false;
    this.owed = false;
    return true;
  }
}
