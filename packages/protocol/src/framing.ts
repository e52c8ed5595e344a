import { MESSAGE_TOO_BIG, PROTOCOL_ERROR } from './close-codes.js';
import { SockJSProtocolError } from './errors.js';
import { quoteForScript } from './json-quote.js';

/*
 * How each SockJS HTTP transport wraps a frame on the wire. The WebSocket transport sends frames unwrapped.
 */

/** xhr-polling: one frame per response, newline-terminated. */
export function xhrFrame(frame: string): string {
  return frame + '\n';
}

/**
 * xhr-streaming opens with 2 KiB of `h` and a newline, enough for browsers (old IE and some proxies) to start
 * handing the response to script before it completes. Then one frame per line.
 */
export const XHR_STREAMING_PRELUDE = 'h'.repeat(2048) + '\n';

/** EventSource opens with an empty line (Opera once needed it), then one `data:` event per frame. */
export const EVENTSOURCE_PRELUDE = '\r\n';

/** Frames never contain CR or LF (quoting escapes them), so one `data:` line per frame is enough. */
export function eventSourceFrame(frame: string): string {
  return 'data: ' + frame + '\r\n\r\n';
}

/** htmlfile: one `<script>` element per frame, calling the page's `p()`. */
export function htmlfileFrame(frame: string): string {
  return '<script>\np(' + quoteForScript(frame) + ');\n</script>\r\n';
}

/**
 * The htmlfile page head. It is padded past 1 KiB because some browsers render nothing (and run no script)
 * until they have received that much.
 */
export function htmlfilePrelude(callback: string): string {
  const head =
    '<!doctype html>\n<html><head>\n' +
    '  <meta http-equiv="X-UA-Compatible" content="IE=edge" />\n' +
    '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n' +
    "</head><body><h2>Don't panic!</h2>\n" +
    '  <script>\n' +
    '    document.domain = document.domain;\n' +
    `    var c = parent.${callback};\n` +
    '    c.start();\n' +
    '    function p(d) {c.message(d);};\n' +
    '    window.onload = function() {c.stop();};\n' +
    '  </script>';
  return head + ' '.repeat(Math.max(0, 1025 - head.length)) + '\r\n\r\n';
}

/** jsonp-polling: the frame passed to the page's callback. `/**\/` defuses content-sniffing attacks. */
export function jsonpFrame(callback: string, frame: string): string {
  return '/**/' + callback + '(' + quoteForScript(frame) + ');\r\n';
}

const CALLBACK_NAME = /^[a-zA-Z0-9_.-]+$/;

/**
 * Check the `c` query parameter of htmlfile and jsonp. It is pasted into script, so only
 * `[a-zA-Z0-9_.-]` is allowed. Returns the callback name or raises with the protocol's message.
 */
export function validateCallback(callback: string | null | undefined): string {
  if (callback === null || callback === undefined || callback === '') {
    throw new SockJSProtocolError('ERR_BAD_CALLBACK', '"callback" parameter required', PROTOCOL_ERROR);
  }
  if (!CALLBACK_NAME.test(callback)) {
    throw new SockJSProtocolError('ERR_BAD_CALLBACK', 'invalid "callback" parameter', PROTOCOL_ERROR);
  }
  return callback;
}

/**
 * Extract the payload of a `jsonp_send` request. Form posts carry it in the `d` field
 * (`application/x-www-form-urlencoded`); other content types carry the payload as the body itself.
 * Returns '' when there is no payload, which the caller reports as "Payload expected.".
 */
export function decodeJsonpSendBody(body: string, contentType: string | undefined): string {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return body;
  }
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (name !== 'd') continue;
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      return decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      throw new SockJSProtocolError('ERR_BAD_JSON', 'Broken JSON encoding.');
    }
  }
  return '';
}

/** Limits for the incremental decoders below. */
export interface StreamLimits {
  /** Longest line (frame plus framing) accepted, in UTF-16 code units. */
  readonly maxLineLength: number;
}

const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024;
const DEFAULT_STREAM_LIMITS: StreamLimits = { maxLineLength: DEFAULT_MAX_LINE_LENGTH };

/**
 * Client side of xhr-streaming: feed it the response text as it grows (or as chunks), get whole frames back.
 * The prelude line of `h` characters is skipped. A line longer than the limit raises (close code 1009).
 */
export class XhrStreamDecoder {
  /** The unfinished last line. */
  #rest = '';
  #preludeSeen = false;
  readonly #maxLineLength: number;

  // The default as a number rather than the shared limits object: 9 B less in the client's gzipped core.
  constructor(limits?: StreamLimits) {
    this.#maxLineLength = limits?.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** Append a chunk of the response; returns the frames it completed. */
  push(chunk: string): string[] {
    const lines = (this.#rest + chunk).split('\n');
    this.#rest = lines.pop() as string;
    if (!this.#preludeSeen && lines.length > 0) {
      this.#preludeSeen = true;
      // The prelude is a line of `h`s; a lone `h` is a heartbeat frame.
      if (/^hh+$/.test(lines[0] as string)) lines.shift();
    }
    if (this.#rest.length > this.#maxLineLength) {
      throw new SockJSProtocolError(
        'ERR_TOO_LARGE',
        `Frame over ${this.#maxLineLength} characters`,
        MESSAGE_TOO_BIG,
      );
    }
    return lines;
  }
}

/**
 * A minimal `text/event-stream` decoder for runtimes without EventSource: returns the `data` of each
 * complete event. Comments, `event:`, `id:` and `retry:` lines are ignored (SockJS uses none of them).
 */
export class EventStreamDecoder {
  private buffer = '';
  private data: string[] = [];
  private readonly limits: StreamLimits;

  constructor(limits: StreamLimits = DEFAULT_STREAM_LIMITS) {
    this.limits = limits;
  }

  push(chunk: string): string[] {
    let text = this.buffer + chunk;
    // A trailing CR may be the first half of CRLF: hold it back until the next chunk says.
    const heldCr = text.endsWith('\r');
    if (heldCr) text = text.slice(0, -1);
    const events: string[] = [];
    const lines = text.split(/\r\n|\r|\n/);
    this.buffer = (lines.pop() ?? '') + (heldCr ? '\r' : '');
    for (const line of lines) {
      if (line === '') {
        if (this.data.length > 0) events.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.charAt(5) === ' ' ? line.slice(6) : line.slice(5));
      }
    }
    if (this.buffer.length > this.limits.maxLineLength) {
      throw new SockJSProtocolError(
        'ERR_TOO_LARGE',
        `Event-stream line exceeds the limit of ${this.limits.maxLineLength} characters`,
        MESSAGE_TOO_BIG,
      );
    }
    return events;
  }
}
