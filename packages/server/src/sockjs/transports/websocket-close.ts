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
