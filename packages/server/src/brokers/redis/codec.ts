import type { BrokerMessage, MessageHeaders } from '../broker.js';

/*
 * How messages look in Redis, and checks of what Redis answers. Anything else may write to these keys and
 * channels (another version, a person with redis-cli), so nothing read back is trusted: a malformed message
 * is reported and dropped rather than handed to a STOMP session.
 */

export function encodeHeaders(headers: MessageHeaders): string {
  return JSON.stringify(headers);
}

export function decodeHeaders(text: string): MessageHeaders | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  for (const header of value) {
    if (!Array.isArray(header) || header.length !== 2) return undefined;
    if (typeof header[0] !== 'string' || typeof header[1] !== 'string') return undefined;
  }
  return value as [string, string][];
}

/**
 * A topic message as published: `id \n headers-JSON \n body`, or `id offset epoch \n headers-JSON \n body` from
 * a destination that keeps history (history-scripts.ts). JSON never contains a raw newline, so the first two
 * newlines split it, and the body travels without being escaped.
 */
export function decodeTopicPayload(destination: string, payload: string): BrokerMessage | undefined {
  const first = payload.indexOf('\n');
  const second = first < 0 ? -1 : payload.indexOf('\n', first + 1);
  if (second < 0) return undefined;
  const [id = '', offset, epoch, ...rest] = payload.slice(0, first).split(' ');
  const headers = decodeHeaders(payload.slice(first + 1, second));
  if (id === '' || headers === undefined || rest.length > 0) return undefined;
  const message = { destination, id, headers, body: payload.slice(second + 1) };
  if (offset === undefined) return message;
  const position = streamPosition(offset, epoch);
  return position === undefined ? undefined : { ...message, ...position };
}

function streamPosition(
  offset: string,
  epoch: string | undefined,
): { offset: number; epoch: string } | undefined {
  if (!/^[0-9]{1,15}$/.test(offset) || epoch === undefined || epoch === '') return undefined;
  return { offset: Number(offset), epoch };
}

/** What READ_HISTORY answered: the epoch, the retained range, and the entries read, oldest first. */
export interface HistoryReply {
  readonly epoch: string;
  readonly first: number;
  readonly next: number;
  readonly messages: readonly BrokerMessage[];
}

export function decodeHistoryReply(destination: string, reply: unknown): HistoryReply {
  const [epoch, first, next, entries] = Array.isArray(reply) ? reply : [];
  const range = [Number(first), Number(next)];
  if (
    typeof epoch !== 'string' ||
    epoch === '' ||
    !range.every(Number.isSafeInteger) ||
    !Array.isArray(entries)
  ) {
    throw new Error(`unexpected history reply: ${describeReply(reply)}`);
  }
  // XREVRANGE: newest first.
  const messages = entries.map((entry: unknown) => decodeHistoryEntry(destination, epoch, entry)).reverse();
  return { epoch, first: range[0] as number, next: range[1] as number, messages };
}

/** A history entry: id `<ms>-<offset>`, fields `i`, `h`, `b` (history-scripts.ts). */
function decodeHistoryEntry(destination: string, epoch: string, entry: unknown): BrokerMessage {
  const [streamId, fields] = Array.isArray(entry) ? entry : [];
  const offset = typeof streamId === 'string' ? /^[0-9]+-([0-9]{1,15})$/.exec(streamId)?.[1] : undefined;
  const map = new Map<unknown, unknown>();
  if (Array.isArray(fields)) for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const [id, headerText, body] = [map.get('i'), map.get('h'), map.get('b')];
  const headers = typeof headerText === 'string' ? decodeHeaders(headerText) : undefined;
  if (offset === undefined || typeof id !== 'string' || headers === undefined || typeof body !== 'string') {
    throw new Error(`unexpected history entry: ${describeReply(entry)}`);
  }
  return { destination, id, headers, body, offset: Number(offset), epoch };
}

/** A queue message read from its stream. */
export interface StreamMessage {
  readonly streamId: string;
  readonly message: BrokerMessage;
  /** Earlier deliveries that were rejected or abandoned. */
  readonly attempts: number;
}

/** A stream entry's fields (`i`, `h`, `b`, `n`; see scripts.ts) as a message, or undefined if malformed. */
export function decodeStreamEntry(
  destination: string,
  streamId: string,
  fields: readonly string[],
): StreamMessage | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  const id = map.get('i');
  const headers = decodeHeaders(map.get('h') ?? '');
  const body = map.get('b');
  const attempts = Number(map.get('n') ?? '0');
  if (id === undefined || headers === undefined || body === undefined || !Number.isInteger(attempts)) {
    return undefined;
  }
  return { streamId, message: { destination, id, headers, body }, attempts };
}

/** One entry of an XREADGROUP reply: its stream id and fields (null when the entry was deleted). */
export type RawEntry = readonly [streamId: string, fields: readonly string[] | null];

/**
 * The entries of an XREADGROUP reply for a single stream (null when it timed out or was unblocked). Over
 * RESP2 the reply is `[[key, entries]]`; over RESP3 (ioredis 6's default) the map arrives flattened as
 * `[key, entries]`.
 */
export function readReplyEntries(reply: unknown): RawEntry[] {
  if (reply === null) return [];
  const first: unknown = Array.isArray(reply) ? reply[0] : undefined;
  const stream = typeof first === 'string' ? reply : first;
  const entries: unknown = Array.isArray(stream) ? stream[1] : undefined;
  if (!Array.isArray(entries)) throw new Error(`unexpected XREADGROUP reply: ${describeReply(reply)}`);
  return entries.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw new Error(`unexpected XREADGROUP entry: ${describeReply(entry)}`);
    }
    const fields: unknown = entry[1];
    if (fields === null) return [entry[0], null] as const;
    if (!Array.isArray(fields) || !fields.every((field) => typeof field === 'string')) {
      throw new Error(`unexpected XREADGROUP fields: ${describeReply(fields)}`);
    }
    return [entry[0], fields as string[]] as const;
  });
}

/** The stream ids of an `XPENDING key group IDLE ms - + count consumer` reply. */
export function pendingIds(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected XPENDING reply: ${describeReply(reply)}`);
  return reply.map((entry: unknown) => {
    const id: unknown = Array.isArray(entry) ? entry[0] : undefined;
    if (typeof id !== 'string') throw new Error(`unexpected XPENDING entry: ${describeReply(entry)}`);
    return id;
  });
}

/** A script reply that must be a list of integers (or integer strings), `length` of them. */
export function integers(reply: unknown, length: number): number[] {
  const values = Array.isArray(reply) ? reply.map((value: unknown) => Number(value)) : [];
  if (values.length !== length || values.some((value) => !Number.isFinite(value))) {
    throw new Error(`unexpected script reply: ${describeReply(reply)}`);
  }
  return values;
}

function describeReply(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
