/*
 * Application messages carry a marker `#` + 8 digits (a sequence number) padded with `x` to their size. The
 * marker survives every framing measured (JSON strings, SockJS frames, socket.io packets, SSE lines, STOMP
 * bodies), so one scan counts and identifies messages whatever the protocol, and batched frames count right.
 */

const HASH = 0x23;

/**
 * @param {number} seq
 * @param {number} size total length in bytes (>= 9)
 */
export function payload(seq, size = 100) {
  return `#${String(seq % 1e8).padStart(8, '0')}${'x'.repeat(size - 9)}`;
}

/**
 * Call `onSeq` for each marker in the byte range.
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} end
 * @param {(seq: number) => void} onSeq
 */
export function scanMarkers(buf, start, end, onSeq) {
  for (let i = buf.indexOf(HASH, start); i >= 0 && i + 9 <= end; i = buf.indexOf(HASH, i + 9)) {
    let seq = 0;
    for (let j = i + 1; j < i + 9; j++) seq = seq * 10 + (buf[j] ?? 48) - 48;
    onSeq(seq);
  }
}

/**
 * Does the range contain at least one marker?
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} end
 */
export function hasMarker(buf, start, end) {
  const i = buf.indexOf(HASH, start);
  return i >= 0 && i < end;
}
