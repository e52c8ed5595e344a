/** What a bus refused to act on, for `stats()`. */
export interface DropStats {
  /** Messages received on the bus's channels and refused. */
  readonly dropped: number;
  /** The same, by reason (a fixed set of reasons: never text taken from a message). */
  readonly reasons: Readonly<Record<string, number>>;
}

/** One log line per this many ms at most, however fast garbage arrives. */
const LOG_INTERVAL_MS = 10_000;

/**
 * Counts refused bus messages and says so in the log without letting whoever publishes them flood it: the
 * first refusal is logged at once, later ones as one summary line once the interval has passed (on the next
 * refusal, so no timer outlives the bus). The counts are exact either way.
 */
export class DropLog {
  private dropped = 0;
  private readonly reasons = new Map<string, number>();
  private unlogged = 0;
  private lastLog = Number.NEGATIVE_INFINITY;
  private readonly log: (message: string) => void;
  private readonly now: () => number;

  constructor(log: (message: string) => void, now: () => number = Date.now) {
    this.log = log;
    this.now = now;
  }

  drop(channel: string, reason: string): void {
    this.dropped++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    this.unlogged++;
    const now = this.now();
    if (now - this.lastLog < LOG_INTERVAL_MS) return;
    this.log(
      this.unlogged === 1
        ? `dropped a message on ${channel}: ${reason}`
        : `dropped ${this.unlogged} messages since the last report, the latest on ${channel}: ${reason}`,
    );
    this.unlogged = 0;
    this.lastLog = now;
  }

  stats(): DropStats {
    return { dropped: this.dropped, reasons: Object.fromEntries(this.reasons) };
  }
}
