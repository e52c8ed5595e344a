/**
 * Map a close code to one a WebSocket close frame may carry. SockJS's own 2xxx codes travel inside the `c`
 * frame; the socket itself closes with 1000 then (or 1008 for a buffer overflow, which is a policy breach).
 */
export function webSocketCloseCode(code: number): number {
  if (code === 1000 || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006))
    return code;
  if (code >= 3000 && code <= 4999) return code;
  if (code === 2012) return 1008;
  return 1000;
}

/** A close reason must fit in 123 bytes of UTF-8. */
export function webSocketCloseReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

/** The close codes ws sends when it fails a connection over what the client sent; anything else is 1002. */
const WS_ERROR_CLOSE: Readonly<Record<string, { code: number; reason: string }>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: { code: 1009, reason: 'Message too big' },
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: { code: 1009, reason: 'Message too big' },
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
