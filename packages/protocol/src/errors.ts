import { PROTOCOL_ERROR } from './close-codes.js';

/** Stable identifiers for everything the codec can reject. */
export type ProtocolErrorCode =
  | 'ERR_EMPTY_FRAME'
  | 'ERR_UNKNOWN_FRAME'
  | 'ERR_BAD_JSON'
  | 'ERR_BAD_PAYLOAD'
  | 'ERR_PAYLOAD_EXPECTED'
  | 'ERR_TOO_LARGE'
  | 'ERR_BAD_CALLBACK';

/**
 * Raised by every decoder in this package. Carries the close code and reason the receiving side should use
 * when it ends the session because of this input, so no caller has to invent one.
 */
export class SockJSProtocolError extends Error {
  override readonly name = 'SockJSProtocolError';
  // `declare`: assigned in the constructor, so no field declarations need emitting (they cost the bundle).
  declare readonly code: ProtocolErrorCode;
  declare readonly closeCode: number;

  constructor(code: ProtocolErrorCode, message: string, closeCode: number = PROTOCOL_ERROR) {
    super(message);
    this.code = code;
    this.closeCode = closeCode;
  }
}
