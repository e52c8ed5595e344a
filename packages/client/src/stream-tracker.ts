/*
 * Where each subscription stands in its destination's stream, so that a reconnect resumes it from there. The
 * server numbers the messages of topic-like destinations with consecutive offsets within an epoch
 * (`x-stream-offset`, `x-stream-epoch`); a SUBSCRIBE with `x-stream-offset: offset=<n>` replays from n and then
 * continues live. Destinations without offsets (queues, `/app` subscriptions) are never tracked.
 */
import type { IFrame, IMessage, StompHeaders } from '@stomp/stompjs';

const OFFSET = 'x-stream-offset';
const EPOCH = 'x-stream-epoch';
const GAP = 'x-stream-gap';

/**
 * Why missed messages cannot be recovered: `truncated` (older than what the server retains), `epoch` (the server
 * lost the history the position counted in, e.g. it restarted), `no-history` (the destination keeps none).
 */
export type StompGapReason = 'truncated' | 'epoch' | 'no-history';

/** A subscription resumed with a hole in it: the application should reload the state it derives from it. */
export interface StompGap {
  /** The id of the subscription (`StompSubscription.id`). */
  readonly subscriptionId: string;
  readonly destination: string;
  readonly reason: StompGapReason;
  /** The offset asked for, when the server says. */
  readonly requested: number | undefined;
  /** The offset of the first message the subscription gets next, when the server says. */
  readonly resumedAt: number | undefined;
}

/** The position of one subscription. Created with the subscription and kept across reconnects. */
export class StreamCursor {
  /** Epoch of `next`; undefined when the server has not named one (the destination had no history yet). */
  private epoch: string | undefined;
  /** Offset of the next message expected; undefined while nothing is known (or the destination has no offsets). */
  private next: number | undefined;
  /** False once the server said the destination keeps nothing for an absent subscriber (`x-stream-history`). */
  private retained = true;

  constructor(
    private readonly subscriptionId: string,
    private readonly destination: string,
    private readonly onGap: (gap: StompGap) => void,
  ) {}

  /**
   * Headers of the next SUBSCRIBE (a new object): the application's own, except that once a position is known it replaces any
   * `x-stream-offset` the application gave (that one is honoured only until something has been received).
   */
  subscribeHeaders(appHeaders: StompHeaders): StompHeaders {
    if (this.next === undefined) return { ...appHeaders };
    const headers: StompHeaders = { ...appHeaders, [OFFSET]: `offset=${this.next}` };
    delete headers[EPOCH];
    if (this.epoch !== undefined) headers[EPOCH] = this.epoch;
    return headers;
  }

  /**
   * The RECEIPT of a SUBSCRIBE says where live delivery started: a subscription that gets nothing before a cut
   * resumes from there. Replayed messages come before it, so a position already known in the same epoch is
   * at least as far along.
   */
  started(receipt: IFrame): void {
    if (receipt.headers['x-stream-history'] === 'none') this.retained = false;
    const offset = receipt.headers[OFFSET];
    if (offset === undefined) return;
    const next = Number(offset);
    if (!Number.isSafeInteger(next)) return;
    const epoch = receipt.headers[EPOCH];
    if (this.next === undefined || epoch !== this.epoch) {
      this.epoch = epoch;
      this.next = next;
    } else {
      this.next = Math.max(this.next, next);
    }
  }

  /**
   * Called before the SUBSCRIBE of a reconnect. Where the server keeps nothing for an absent subscriber, what
   * was published meanwhile is gone: say so (a no-history gap) rather than resume in silence.
   */
  resubscribing(): void {
    if (this.retained) return;
    this.onGap({
      subscriptionId: this.subscriptionId,
      destination: this.destination,
      reason: 'no-history',
      requested: undefined,
      resumedAt: undefined,
    });
  }

  /** Whether `message` goes to the application's callback: not a gap notice, not one already delivered. */
  admit(message: IMessage): boolean {
    const headers = message.headers;
    const reason = headers[GAP];
    if (reason !== undefined) {
      this.gap(reason as StompGapReason, headers);
      return false;
    }
    const offset = headers[OFFSET];
    if (offset === undefined) return true;
    const value = Number(offset);
    if (!Number.isSafeInteger(value)) return true;
    const epoch = headers[EPOCH];
    if (epoch === this.epoch && this.next !== undefined && value < this.next) return false;
    // A new epoch while live (the server's history for the destination started over) is simply followed.
    this.epoch = epoch;
    this.next = value + 1;
    return true;
  }

  private gap(reason: StompGapReason, headers: StompHeaders): void {
    const requested = optionalNumber(headers['x-stream-gap-requested']);
    const resumedAt = optionalNumber(headers['x-stream-gap-resumed-at']);
    if (reason === 'no-history') {
      // Nothing to resume from any more: later reconnects subscribe live, as for any other destination.
      this.epoch = undefined;
      this.next = undefined;
    } else {
      // What follows is numbered in the server's current epoch, from resumedAt (when it says).
      this.epoch = headers[EPOCH];
      this.next = resumedAt;
    }
    this.onGap({
      subscriptionId: this.subscriptionId,
      destination: this.destination,
      reason,
      requested,
      resumedAt,
    });
  }
}

function optionalNumber(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
