import { CloseCode } from '@sockwire/protocol';
import type { CloseInfo } from '../connection.js';

/*
 * The close codes and reasons every kind of connection uses, and how they map onto a WebSocket close frame.
 * The reasons are spelled here once (CloseReason's table is indexed by any number, so reading it needs a check
 * each time).
 */

/** What `close()` with no arguments means everywhere. */
export const NORMAL_CLOSE = { code: CloseCode.NORMAL, reason: 'Normal closure' } as const;

/** A client that does not read: its outbound buffer passed maxBufferedBytes. */
export const BUFFER_OVERFLOW_CLOSE = { code: CloseCode.BUFFER_OVERFLOW, reason: 'Buffer overflow' } as const;

/** A SockJS session already has a receiving request (or socket) attached. */
export const ANOTHER_CONNECTION_CLOSE = {
  code: CloseCode.ANOTHER_CONNECTION,
  reason: 'Another connection still open',
} as const;

/** One message larger than the connection accepts (what ws itself reports past its maxPayload). */
export const MESSAGE_TOO_BIG_CLOSE = { code: CloseCode.MESSAGE_TOO_BIG, reason: 'Message too big' } as const;

/** A SockJS client that broke the framing (what a lost frame sink reports when it says nothing better). */
export const PROTOCOL_ERROR_CLOSE = {
  code: CloseCode.PROTOCOL_ERROR,
  reason: 'Connection interrupted',
} as const;

/**
 * Map a close code to one a WebSocket close frame may carry. SockJS's own 2xxx codes travel inside the `c`
 * frame; the socket itself closes with 1000 then (or 1008 for a buffer overflow, which is a policy breach).
 */
export function webSocketCloseCode(code: number): number {
  if (code === 1000 || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006))
    return code;
  if (code >= 3000 && code <= 4999) return code;
  if (code === CloseCode.BUFFER_OVERFLOW) return 1008;
  return 1000;
}

/** A close reason must fit in 123 bytes of UTF-8. */
export function webSocketCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

/** What a WebSocket's 'close' event means for the connection: 1006 is a lost socket, 1005 a close without code. */
export function webSocketClosed(code: number, reason: Buffer): CloseInfo {
  return code === 1006
    ? { code: 1006, reason: 'WebSocket connection lost', wasClean: false }
    : { code: code === 1005 ? CloseCode.NORMAL : code, reason: reason.toString(), wasClean: true };
}

/** The close codes ws sends when it fails a connection over what the client sent; anything else is 1002. */
const WS_ERROR_CLOSE: Readonly<Record<string, { code: number; reason: string }>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: MESSAGE_TOO_BIG_CLOSE,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: MESSAGE_TOO_BIG_CLOSE,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: { code: 1008, reason: 'Too many fragments' },
  WS_ERR_INVALID_UTF8: { code: 1007, reason: 'Invalid UTF-8' },
};

/**
 * Why ws failed a connection, from the 'error' event it emits as it sends its close frame. Its 'close' event
 * cannot tell: ws stops reading at that point, never sees the client's reply and reports 1006.
 */
export function webSocketErrorClose(error: Error & { code?: string }): { code: number; reason: string } {
  return WS_ERROR_CLOSE[error.code ?? ''] ?? { code: 1002, reason: webSocketCloseReason(error.message) };
}
