import { MESSAGE_TOO_BIG } from './close-codes.js';
import { SockJSProtocolError } from './errors.js';
import { quote } from './json-quote.js';
import { isSessionKey } from './session-key.js';

/**
 * SockJS server-to-client frames. Each transport wraps these strings in its own framing (see `framing.ts`).
 *
 * - `o`            the session is open
 * - `o{"key":"k"}` the session is open and bound to key `k` (Sockwire's extension: see session-key.ts)
 * - `h`            heartbeat
 * - `a["m1",...]`  one or more messages
 * - `m"msg"`       a single message (legacy; accepted, never produced)
 * - `c[code,"r"]`  the session is closed, with a code and a reason
 */
export const OPEN_FRAME = 'o';
export const HEARTBEAT_FRAME = 'h';

/** Encode messages as one `a` frame. The array must not be empty. */
export function encodeMessages(messages: readonly string[]): string {
  let frame = 'a[';
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) frame += ',';
    frame += quote(messages[i] as string);
  }
  return frame + ']';
}

/** Encode one message as an `a` frame without building an array. */
export function encodeMessage(message: string): string {
  return 'a[' + quote(message) + ']';
}

/** Encode a close frame. */
export function encodeClose(code: number, reason: string): string {
  return 'c[' + String(code) + ',' + quote(reason) + ']';
}

export type ServerFrame =
  | { readonly type: 'open'; readonly key?: string }
  | { readonly type: 'heartbeat' }
  | { readonly type: 'messages'; readonly messages: readonly string[] }
  | { readonly type: 'close'; readonly code: number; readonly reason: string };

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SockJSProtocolError('ERR_BAD_JSON', `Malformed ${what} frame: broken JSON`);
  }
}

/**
 * Decode one server frame (client side). Anything that is not a well-formed frame raises a
 * `SockJSProtocolError` carrying close code 1002: a client must close rather than drop it silently.
 */
export function decodeServerFrame(frame: string): ServerFrame {
  if (frame === 'o') return { type: 'open' };
  if (frame === 'h') return { type: 'heartbeat' };
  switch (frame.charAt(0)) {
    case 'o': {
      if (frame.charAt(1) !== '{') break;
      // The client pastes the key into its URLs as it is: only a well-formed key (base64url) may get there.
      const key = (parseJson(frame.slice(1), 'open') as { key?: unknown } | null)?.key;
      if (typeof key !== 'string' || !isSessionKey(key)) {
        throw new SockJSProtocolError('ERR_BAD_PAYLOAD', 'Malformed open frame');
      }
      return { type: 'open', key };
    }
    case 'a': {
      const value = parseJson(frame.slice(1), 'message');
      if (!Array.isArray(value) || !value.every((m) => typeof m === 'string')) {
        throw new SockJSProtocolError('ERR_BAD_PAYLOAD', 'Malformed message frame: expected strings');
      }
      return { type: 'messages', messages: value };
    }
    case 'm': {
      const value = parseJson(frame.slice(1), 'message');
      if (typeof value !== 'string') {
        throw new SockJSProtocolError('ERR_BAD_PAYLOAD', 'Malformed message frame: expected strings');
      }
      return { type: 'messages', messages: [value] };
    }
    case 'c': {
      const value = parseJson(frame.slice(1), 'close');
      if (
        !Array.isArray(value) ||
        value.length !== 2 ||
        !Number.isInteger(value[0]) ||
        typeof value[1] !== 'string'
      ) {
        throw new SockJSProtocolError('ERR_BAD_PAYLOAD', 'Malformed close frame: expected [code, "reason"]');
      }
      return { type: 'close', code: value[0] as number, reason: value[1] as string };
    }
    case '':
      throw new SockJSProtocolError('ERR_EMPTY_FRAME', 'Empty frame');
  }
  throw new SockJSProtocolError(
    'ERR_UNKNOWN_FRAME',
    `Unknown frame type ${JSON.stringify(frame.slice(0, 16))}`,
  );
}

/** Limits applied when decoding what a client sent. */
export interface PayloadLimits {
  /** Largest accepted payload in UTF-16 code units (string length). */
  readonly maxLength: number;
}

/**
 * Decode what a client sent on an HTTP send request (`xhr_send`, `jsonp_send`): a JSON array of strings.
 * Raises with the protocol's own messages ("Payload expected.", "Broken JSON encoding.").
 */
export function decodeClientPayload(payload: string, limits?: PayloadLimits): string[] {
  if (payload.length === 0) {
    throw new SockJSProtocolError('ERR_PAYLOAD_EXPECTED', 'Payload expected.');
  }
  checkLength(payload, limits);
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw new SockJSProtocolError('ERR_BAD_JSON', 'Broken JSON encoding.');
  }
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && allStrings(value)) return value as string[];
  throw new SockJSProtocolError('ERR_BAD_PAYLOAD', 'Broken JSON encoding: expected an array of strings.');
}

/** A plain loop, no callback: this runs for every message a server receives. */
function allStrings(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'string') return false;
  return true;
}

/**
 * Decode one WebSocket message from a client: a JSON array of strings or a single JSON string. An empty
 * message is valid and carries nothing (clients may send it as a keep-alive).
 */
export function decodeWebSocketPayload(payload: string, limits?: PayloadLimits): string[] {
  if (payload.length === 0) return [];
  return decodeClientPayload(payload, limits);
}

function checkLength(payload: string, limits: PayloadLimits | undefined): void {
  if (limits && payload.length > limits.maxLength) {
    throw new SockJSProtocolError(
      'ERR_TOO_LARGE',
      `Payload of ${payload.length} characters exceeds the limit of ${limits.maxLength}`,
      MESSAGE_TOO_BIG,
    );
  }
}
