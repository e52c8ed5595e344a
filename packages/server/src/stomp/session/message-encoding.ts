import type { BrokerMessage, MessageHeaders } from '../../brokers/broker.js';
import { contentLengthLine } from '../codec/encoder.js';
import { escapeHeader, escapingFor, type HeaderEscaping } from '../codec/escape.js';
import type { StompFrame, StompHeader, StompVersion } from '../codec/frame.js';
import { STREAM_EPOCH_HEADER, STREAM_HEADERS, STREAM_OFFSET_HEADER } from './stream-headers.js';

/**
 * Headers the server sets on MESSAGE frames, or that only mean something on the client's frame. A client's
 * SEND may not smuggle them through to subscribers.
 */
const RESERVED = new Set([
  'destination',
  'message-id',
  'subscription',
  'ack',
  'redelivered',
  'content-length',
  'receipt',
  'transaction',
  'receipt-id',
  // Stream positions are the broker's to assign (history.ts); a forged one would mislead resuming clients.
  ...STREAM_HEADERS,
  // The sender's deduplication key: the server's business, not the subscribers'.
  'x-idempotency-key',
]);

/**
 * Internal: restricts a user-destination message to one session (`@SendToUser(broadcast = false)`), so it
 * can still travel through the broker (and across servers) with a broker message id. Never sent to clients.
 */
export const TARGET_SESSION_HEADER = 'sockwire-target-session';

/**
 * Claims about who sent a message. Subscribers trust them the way they trust CONNECTED's `user-name`, so a
 * client may not make them on its SEND; the server's own code (a handler's reply, `broker.send`) still may,
 * e.g. to name the authenticated sender it read from the session.
 */
const SENDER_CLAIMS: ReadonlySet<string> = new Set(['user-name']);

const NONE: ReadonlySet<string> = new Set();

/** Application headers worth passing from a handler's reply to subscribers; first occurrence wins. */
export function applicationHeaders(
  headers: MessageHeaders,
  alsoDrop: ReadonlySet<string> = NONE,
): MessageHeaders {
  const seen = new Set<string>();
  const out: StompHeader[] = [];
  for (const header of headers) {
    const name = header[0];
    if (RESERVED.has(name) || alsoDrop.has(name) || name === TARGET_SESSION_HEADER || seen.has(name))
      continue;
    seen.add(name);
    out.push(header);
  }
  return out;
}

/** The headers of a client's SEND that reach subscribers: application headers, minus claims of identity. */
export function sentHeaders(headers: MessageHeaders): MessageHeaders {
  return applicationHeaders(headers, SENDER_CLAIMS);
}

/** Per message, its frame text after the per-subscription headers, for each escaping it has been sent with. */
const tails = new WeakMap<BrokerMessage, Partial<Record<HeaderEscaping, string>>>();

/**
 * The part of a MESSAGE frame that is the same for every subscriber: message-id, application headers,
 * content-length, body and NUL. A broadcast to N sessions encodes (and escapes) it once, not N times.
 */
function messageTail(message: BrokerMessage, escaping: HeaderEscaping): string {
  let cached = tails.get(message);
  const hit = cached?.[escaping];
  if (hit !== undefined) return hit;
  let text = `message-id:${escapeHeader(message.id, escaping)}\n`;
  if (message.offset !== undefined) text += `${STREAM_OFFSET_HEADER}:${message.offset}\n`;
  if (message.epoch !== undefined)
    text += `${STREAM_EPOCH_HEADER}:${escapeHeader(message.epoch, escaping)}\n`;
  for (const [name, value] of message.headers) {
    if (name === TARGET_SESSION_HEADER) continue;
    text += `${escapeHeader(name, escaping)}:${escapeHeader(value, escaping)}\n`;
  }
  text += `${contentLengthLine(message.body)}\n${message.body}\0`;
  if (cached === undefined) {
    cached = {};
    tails.set(message, cached);
  }
  cached[escaping] = text;
  return text;
}

export interface MessageAddress {
  /** What the client subscribed to (differs from the broker destination for `/user/...`). */
  readonly destination: string;
  readonly subscription: string;
  readonly ackId: string | undefined;
  readonly redelivered: boolean;
}

export function encodeMessage(
  message: BrokerMessage,
  address: MessageAddress,
  version: StompVersion | undefined,
): string {
  const escaping = escapingFor(version, 'MESSAGE');
  let head = `MESSAGE\ndestination:${escapeHeader(address.destination, escaping)}\nsubscription:${escapeHeader(address.subscription, escaping)}\n`;
  if (address.ackId !== undefined) head += `ack:${address.ackId}\n`;
  if (address.redelivered) head += 'redelivered:true\n';
  return head + messageTail(message, escaping);
}

/** The same MESSAGE as a frame object, for outbound interceptors. */
export function messageFrame(message: BrokerMessage, address: MessageAddress): StompFrame {
  const headers: StompHeader[] = [
    ['destination', address.destination],
    ['subscription', address.subscription],
    ['message-id', message.id],
  ];
  if (address.ackId !== undefined) headers.push(['ack', address.ackId]);
  if (address.redelivered) headers.push(['redelivered', 'true']);
  if (message.offset !== undefined) headers.push([STREAM_OFFSET_HEADER, String(message.offset)]);
  if (message.epoch !== undefined) headers.push([STREAM_EPOCH_HEADER, message.epoch]);
  for (const header of message.headers) if (header[0] !== TARGET_SESSION_HEADER) headers.push(header);
  return { command: 'MESSAGE', headers, body: message.body };
}
