/*
 * Reading STOMP frames in the load generator without turning whole frames into strings: a mass resume brings
 * 100,000 MESSAGE frames to one load core within a second or two, so each frame is read with a few byte
 * searches (its command's first byte, the headers it needs, the body's marker), not parsed into an object.
 * Bench bodies never contain NUL, so a frame ends at its first NUL.
 */
import { scanMarkers } from './markers.mjs';

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const HEAD_END = Buffer.from('\n\n');

/**
 * Call `onFrame(start, end)` for each complete frame in the range (`end` is its NUL, exclusive); heart-beat
 * EOLs between frames are skipped.
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} end
 * @param {(start: number, end: number) => void} onFrame
 * @returns {number} where the unread rest starts (`end` when every byte belonged to a complete frame)
 */
export function splitFrames(buf, start, end, onFrame) {
  let i = start;
  while (i < end) {
    const c = buf[i];
    if (c === LF || c === CR) {
      i++;
      continue;
    }
    const nul = buf.indexOf(NUL, i);
    if (nul < 0 || nul >= end) break;
    onFrame(i, nul);
    i = nul + 1;
  }
  return i;
}

/**
 * The frame's command (its first line).
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} end
 */
export function frameCommand(buf, start, end) {
  let lf = buf.indexOf(LF, start);
  if (lf < 0 || lf > end) lf = end;
  return buf.toString('latin1', start, buf[lf - 1] === CR ? lf - 1 : lf);
}

/** Where the frame's header block ends (the blank line), or `end`. */
function headEnd(/** @type {Buffer} */ buf, /** @type {number} */ start, /** @type {number} */ end) {
  const i = buf.indexOf(HEAD_END, start);
  return i < 0 || i > end ? end : i + 1;
}

/**
 * A needle for `frameHeader`: the header's name as it appears after the line before it.
 * @param {string} name
 */
export function headerNeedle(name) {
  return Buffer.from(`\n${name}:`, 'latin1');
}

/**
 * The first value of a header (undecoded: the bench reads only numbers and epochs), or undefined.
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} end
 * @param {Buffer} needle from `headerNeedle`
 */
export function frameHeader(buf, start, end, needle) {
  return headerBefore(buf, start, headEnd(buf, start, end), needle);
}

/** The search stays inside the header block: a received chunk holds many frames after this one. */
function headerBefore(
  /** @type {Buffer} */ buf,
  /** @type {number} */ start,
  /** @type {number} */ head,
  /** @type {Buffer} */ needle,
) {
  const at = buf.subarray(start, head).indexOf(needle);
  if (at < 0) return undefined;
  const from = start + at + needle.length;
  let lf = buf.indexOf(LF, from);
  if (lf < 0 || lf > head) lf = head;
  return buf.toString('latin1', from, buf[lf - 1] === CR ? lf - 1 : lf);
}

const OFFSET = headerNeedle('x-stream-offset');
const EPOCH = headerNeedle('x-stream-epoch');
const GAP = headerNeedle('x-stream-gap');

/**
 * @typedef {object} StreamMessage
 * @property {number | undefined} offset `x-stream-offset` (NaN when not a number)
 * @property {string | undefined} epoch `x-stream-epoch`
 * @property {string | undefined} gap `x-stream-gap`: a notice that a resume could not be served in full
 * @property {number} seq the body's bench marker, -1 without one, -2 with more than one
 */

/**
 * What a resuming subscriber needs from a MESSAGE frame.
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} end
 * @returns {StreamMessage}
 */
export function readStreamMessage(buf, start, end) {
  const head = headEnd(buf, start, end);
  const offset = headerBefore(buf, start, head, OFFSET);
  let seq = -1;
  scanMarkers(buf, Math.min(head + 1, end), end, (s) => {
    seq = seq === -1 ? s : -2;
  });
  return {
    offset: offset === undefined ? undefined : offset === '' ? Number.NaN : Number(offset),
    epoch: headerBefore(buf, start, head, EPOCH),
    gap: headerBefore(buf, start, head, GAP),
    seq,
  };
}

/**
 * A client frame's text, headers in the order given (undefined values left out).
 * @param {string} command
 * @param {Record<string, string | number | undefined>} headers
 * @param {string} [body]
 */
export function stompFrame(command, headers, body = '') {
  let text = `${command}\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) text += `${name}:${value}\n`;
  return `${text}\n${body}\0`;
}
