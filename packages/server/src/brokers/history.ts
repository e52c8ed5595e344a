/**
 * Stream positions: what a broker keeps of a topic-like destination's recent messages so that a subscriber
 * that was away can resume where it stopped. Each retained destination numbers its messages with consecutive
 * offsets (0, 1, 2, ...) within an epoch; the epoch changes whenever that numbering starts over (the history was
 * lost: a restart of an in-memory broker, a Redis that lost its data, a history that expired), so a client's
 * offset is only meaningful together with its epoch. The syntax of a resume is RabbitMQ's stream syntax
 * (`x-stream-offset: first | last | next | offset=<n>`), so that the same SUBSCRIBE works against a relay.
 *
 * Pure: no I/O and no clock of its own.
 */

/** Where a subscription starts. `next` (the default) is live only. */
export type StreamStart =
  | { readonly kind: 'next' }
  | { readonly kind: 'first' }
  | { readonly kind: 'last' }
  | { readonly kind: 'offset'; readonly offset: number };

export interface StreamResume {
  readonly start: StreamStart;
  /** The epoch the client's offset belongs to; without it an `offset=<n>` is taken in the current epoch. */
  readonly epoch?: string;
}

/**
 * Why a resume could not be served in full:
 * - `truncated`: the requested offset is older than the oldest retained message (size or time limit);
 * - `epoch`: the client's epoch is not the destination's current one (the history it counted in is gone);
 * - `no-history`: the destination keeps no history (a queue, or history turned off for it).
 */
export type StreamGapReason = 'truncated' | 'epoch' | 'no-history';

export interface StreamGap {
  readonly reason: StreamGapReason;
  /** The offset the client asked for, when it gave one. */
  readonly requested: number | undefined;
  /** The offset of the first message the subscription gets next (replayed or live). */
  readonly resumedAt: number | undefined;
  /** The destination's current epoch, if it keeps history. */
  readonly epoch: string | undefined;
}

/** History limits for one destination. `size: 0` or `ttl: 0` means no history there. */
export interface HistoryLimits {
  /** Messages kept per destination. */
  readonly size?: number;
  /** Seconds a message is kept. */
  readonly ttl?: number;
}

export interface HistoryRule extends HistoryLimits {
  /** Destinations starting with this prefix (`/topic/prices.`); the longest matching prefix wins. */
  readonly prefix: string;
}

export interface HistoryOptions extends HistoryLimits {
  /** Per-prefix limits, overriding `size` and `ttl` for the destinations they match. Default none. */
  readonly rules?: readonly HistoryRule[];
  /** Destinations with history at once; the one appended to least recently is dropped past it (its epoch ends). */
  readonly maxDestinations?: number;
  /** Bytes of message bodies and headers kept in all, across destinations; the oldest messages go past it. */
  readonly maxBytes?: number;
}

export const HISTORY_DEFAULTS = {
  size: 1000,
  ttl: 300,
  maxDestinations: 10_000,
  maxBytes: 64 * 1024 * 1024,
} as const;

/** The resolved per-destination policy: undefined means no history for that destination. */
export interface ResolvedHistory {
  limitsFor(destination: string): { readonly size: number; readonly ttlMs: number } | undefined;
  readonly maxDestinations: number;
  readonly maxBytes: number;
}

/** `false` turns history off everywhere. */
export function resolveHistory(options: HistoryOptions | false | undefined, owner: string): ResolvedHistory {
  const given = options === false ? { size: 0 } : (options ?? {});
  const size = count(owner, 'history.size', given.size, HISTORY_DEFAULTS.size);
  const ttl = count(owner, 'history.ttl', given.ttl, HISTORY_DEFAULTS.ttl);
  const rules = [...(given.rules ?? [])]
    .map((rule) => {
      if (typeof rule.prefix !== 'string' || !rule.prefix.startsWith('/')) {
        throw new TypeError(
          `${owner}: a history rule's prefix must start with "/", got ${String(rule.prefix)}`,
        );
      }
      return {
        prefix: rule.prefix,
        size: count(owner, `history rule ${rule.prefix} size`, rule.size, size),
        ttl: count(owner, `history rule ${rule.prefix} ttl`, rule.ttl, ttl),
      };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    limitsFor(destination) {
      const rule = rules.find((candidate) => destination.startsWith(candidate.prefix));
      const limits = rule ?? { size, ttl };
      return limits.size > 0 && limits.ttl > 0 ? { size: limits.size, ttlMs: limits.ttl * 1000 } : undefined;
    },
    maxDestinations: atLeastOne(
      owner,
      'history.maxDestinations',
      count(owner, 'history.maxDestinations', given.maxDestinations, HISTORY_DEFAULTS.maxDestinations),
    ),
    maxBytes: count(owner, 'history.maxBytes', given.maxBytes, HISTORY_DEFAULTS.maxBytes),
  };
}

/** Parses an `x-stream-offset` header value; throws a RangeError naming the accepted forms. */
export function parseStreamStart(text: string): StreamStart {
  if (text === 'next' || text === 'first' || text === 'last') return { kind: text };
  const match = /^offset=([0-9]{1,15})$/.exec(text);
  if (match?.[1] !== undefined) return { kind: 'offset', offset: Number(match[1]) };
  throw new RangeError(
    `x-stream-offset must be first, last, next or offset=<n> (a whole number), not ${JSON.stringify(text.slice(0, 40))}`,
  );
}

/**
 * Which retained offsets a resume replays, given the destination's retained range [first, next) and epoch:
 * `from` is the first offset to replay (== next: nothing to replay), and `gap` is set when messages the client
 * asked for cannot be given.
 */
export function planResume(
  resume: StreamResume,
  retained: { readonly first: number; readonly next: number; readonly epoch: string },
): { readonly from: number; readonly gap: StreamGap | undefined } {
  const { start } = resume;
  const { first, next, epoch } = retained;
  const requested = start.kind === 'offset' ? start.offset : undefined;
  if (start.kind === 'next') return { from: next, gap: undefined };
  if (resume.epoch !== undefined && resume.epoch !== epoch && start.kind === 'offset') {
    // Another epoch: the client's numbering means nothing here. Give it what is retained, and say so.
    return { from: first, gap: { reason: 'epoch', requested, resumedAt: first, epoch } };
  }
  if (start.kind === 'first') return { from: first, gap: undefined };
  if (start.kind === 'last') return { from: Math.max(first, next - 1), gap: undefined };
  const offset = start.offset;
  if (offset < first)
    return { from: first, gap: { reason: 'truncated', requested, resumedAt: first, epoch } };
  if (offset <= next) return { from: offset, gap: undefined };
  // Past the end: the client counted in a numbering that is not this one (an epoch it did not name, or lost).
  return { from: first, gap: { reason: 'epoch', requested, resumedAt: first, epoch } };
}

function atLeastOne(owner: string, name: string, value: number): number {
  if (value === 0) throw new TypeError(`${owner}: ${name} must be at least 1 (size: 0 turns history off)`);
  return value;
}

function count(owner: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`${owner}: ${name} must be a whole number, got ${String(value)}`);
  }
  return value;
}
