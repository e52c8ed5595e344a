import type { ConsumerHandle } from '../../brokers/broker.js';
import type { StreamGap } from '../../brokers/history.js';
import type { StompHeader } from '../codec/frame.js';

/*
 * The STOMP headers of stream positions (brokers/history.ts): what MESSAGE, the gap notice and a SUBSCRIBE's
 * RECEIPT say about where a subscription stands, in one place with their names.
 */

/** A MESSAGE's position in its destination's history, and the epoch that numbering belongs to. */
export const STREAM_OFFSET_HEADER = 'x-stream-offset';
export const STREAM_EPOCH_HEADER = 'x-stream-epoch';
/** Marks a MESSAGE that carries no application message but says a resume missed messages (its reason). */
export const STREAM_GAP_HEADER = 'x-stream-gap';
const GAP_REQUESTED_HEADER = 'x-stream-gap-requested';
const GAP_RESUMED_AT_HEADER = 'x-stream-gap-resumed-at';
/** On a SUBSCRIBE's RECEIPT: `none` when the destination keeps nothing for an absent subscriber. */
export const STREAM_HISTORY_HEADER = 'x-stream-history';

/** Every header of stream positions: the broker's to set, never a client's to forge on a SEND. */
export const STREAM_HEADERS: readonly string[] = [
  STREAM_OFFSET_HEADER,
  STREAM_EPOCH_HEADER,
  STREAM_GAP_HEADER,
  GAP_REQUESTED_HEADER,
  GAP_RESUMED_AT_HEADER,
];

/** The headers of the gap notice: the reason, and what is known of the offsets and the current epoch. */
export function gapHeaders(gap: StreamGap): StompHeader[] {
  const headers: StompHeader[] = [[STREAM_GAP_HEADER, gap.reason]];
  if (gap.requested !== undefined) headers.push([GAP_REQUESTED_HEADER, String(gap.requested)]);
  if (gap.resumedAt !== undefined) headers.push([GAP_RESUMED_AT_HEADER, String(gap.resumedAt)]);
  if (gap.epoch !== undefined) headers.push([STREAM_EPOCH_HEADER, gap.epoch]);
  return headers;
}

/**
 * What a SUBSCRIBE's RECEIPT says of its subscription: where live delivery starts (so a client that gets no
 * message before a cut can still resume from there), or that nothing published while it is away is kept.
 */
export function positionHeaders(handle: ConsumerHandle | undefined): StompHeader[] {
  const headers: StompHeader[] = [];
  const position = handle?.position;
  if (position !== undefined) headers.push([STREAM_OFFSET_HEADER, String(position.next)]);
  if (position?.epoch !== undefined) headers.push([STREAM_EPOCH_HEADER, position.epoch]);
  if (handle?.retained === false) headers.push([STREAM_HISTORY_HEADER, 'none']);
  return headers;
}
