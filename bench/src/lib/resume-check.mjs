/*
 * One subscriber's position in the topic's stream, kept as the SDK keeps it (@sockwire/client's StreamCursor:
 * the SUBSCRIBE's RECEIPT says where live delivery starts, each MESSAGE moves the position past its offset, a
 * resume SUBSCRIBEs with `x-stream-offset:offset=<next>` and the epoch of that position), and a strict check
 * of what the server delivers: in the bench nothing is published while subscribers resume, so every message
 * must arrive exactly once, in order, with consecutive offsets in one epoch, and no gap notice.
 */

export class ResumeTracker {
  constructor() {
    /** @type {string | undefined} epoch of `next`; undefined until the server named one */
    this.epoch = undefined;
    /** @type {number | undefined} offset of the next message expected */
    this.next = undefined;
    /** the bench sequence number expected next, and the last one of the current phase */
    this.expectSeq = 1;
    this.lastSeq = 0;
    /** messages received in the current phase */
    this.received = 0;
    /** @type {string | null} the first violation seen (later ones are not kept) */
    this.error = null;
  }

  /**
   * Start a phase in which messages `firstSeq` to `lastSeq` (bench sequence numbers) must arrive.
   * @param {number} firstSeq
   * @param {number} lastSeq
   */
  expect(firstSeq, lastSeq) {
    this.expectSeq = firstSeq;
    this.lastSeq = lastSeq;
    this.received = 0;
  }

  /** Every expected message of the phase has arrived. */
  get done() {
    return this.expectSeq > this.lastSeq;
  }

  /**
   * The resume headers of the next SUBSCRIBE, as the SDK sends them (none while no position is known).
   * @returns {Record<string, string>}
   */
  subscribeHeaders() {
    if (this.next === undefined) return {};
    /** @type {Record<string, string>} */
    const headers = { 'x-stream-offset': `offset=${this.next}` };
    if (this.epoch !== undefined) headers['x-stream-epoch'] = this.epoch;
    return headers;
  }

  /**
   * The SUBSCRIBE's RECEIPT: where live delivery starts (a position already known in the same epoch is at
   * least as far along: replayed messages come before the RECEIPT).
   * @param {string | undefined} offset its `x-stream-offset`
   * @param {string | undefined} epoch its `x-stream-epoch`
   */
  started(offset, epoch) {
    if (offset === undefined) return;
    const next = Number(offset);
    if (!Number.isSafeInteger(next)) return;
    if (this.next === undefined || epoch !== this.epoch) {
      this.epoch = epoch;
      this.next = next;
    } else this.next = Math.max(this.next, next);
  }

  /**
   * A MESSAGE. Records the first violation in `error`.
   * @param {import('./stomp-frames.mjs').StreamMessage} m
   * @returns {boolean} true when this message completed the phase
   */
  message(m) {
    if (this.error !== null) return false;
    const fail = (/** @type {string} */ why) => {
      this.error = why;
      return false;
    };
    if (m.gap !== undefined) return fail(`gap notice (${m.gap})`);
    if (m.offset === undefined || !Number.isSafeInteger(m.offset)) return fail('MESSAGE without an offset');
    if (m.seq < 0) return fail('MESSAGE without exactly one bench marker');
    // The first position with an epoch names it (a RECEIPT before the destination's first message has none).
    if (this.epoch !== undefined && m.epoch !== this.epoch)
      return fail(`epoch ${m.epoch} where ${this.epoch} was expected`);
    if (this.next !== undefined && m.offset !== this.next) {
      return fail(
        m.offset < this.next
          ? `offset ${m.offset} again (duplicate; expected ${this.next})`
          : `offset ${m.offset} where ${this.next} was expected (missed ${m.offset - this.next})`,
      );
    }
    if (m.seq !== this.expectSeq) {
      return fail(
        m.seq > this.lastSeq || m.seq < this.expectSeq
          ? `message #${m.seq} outside the expected #${this.expectSeq}..#${this.lastSeq}`
          : `message #${m.seq} where #${this.expectSeq} was expected`,
      );
    }
    this.epoch = m.epoch;
    this.next = m.offset + 1;
    this.expectSeq++;
    this.received++;
    return this.expectSeq === this.lastSeq + 1;
  }
}

/**
 * The outcome of a phase over every subscriber: how many are done, and the first few violations.
 * @param {ResumeTracker[]} trackers
 * @param {number} [keep] violations to quote
 */
export function verdict(trackers, keep = 3) {
  let done = 0;
  /** @type {string[]} */
  const errors = [];
  let failed = 0;
  trackers.forEach((t, i) => {
    if (t.error !== null) {
      failed++;
      if (errors.length < keep) errors.push(`subscriber ${i}: ${t.error}`);
    } else if (t.done) done++;
  });
  return { done, failed, errors };
}
