/** Stable identifiers for everything the STOMP codec rejects. */
export type StompParseErrorCode =
  | 'ERR_HEADER_LINE_TOO_LONG'
  | 'ERR_TOO_MANY_HEADERS'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_MALFORMED_HEADER'
  | 'ERR_INVALID_ESCAPE'
  | 'ERR_INVALID_CONTENT_LENGTH'
  | 'ERR_MISSING_NUL'
  | 'ERR_INVALID_UTF8'
  | 'ERR_PARSER_FAILED';

/**
 * Raised by the parser for input no STOMP peer may send. Every such error ends the session: the receiver
 * answers with an ERROR frame whose `message` is `summary` and closes (the spec's rule for malformed frames
 * and for frames over a limit). `limit` is set for the three size limits, so stats and logs can tell a hostile
 * or misconfigured client from a broken one.
 */
export class StompParseError extends Error {
  override readonly name = 'StompParseError';
  readonly code: StompParseErrorCode;
  /** A short text fit for an ERROR frame's `message` header. */
  readonly summary: string;
  readonly limit: 'maxHeaders' | 'maxHeaderLineLength' | 'maxBodyBytes' | undefined;

  constructor(
    code: StompParseErrorCode,
    summary: string,
    detail: string,
    limit?: 'maxHeaders' | 'maxHeaderLineLength' | 'maxBodyBytes',
  ) {
    super(detail);
    this.code = code;
    this.summary = summary;
    this.limit = limit;
  }
}
