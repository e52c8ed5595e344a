export { contentLengthLine, encodeFrame, encodeHeaderLines, HEARTBEAT } from './encoder.js';
export { StompParseError, type StompParseErrorCode } from './errors.js';
export { escapeHeader, escapingFor, type HeaderEscaping, unescapeHeader } from './escape.js';
export {
  CLIENT_COMMANDS,
  type ClientCommand,
  firstOccurrences,
  frame,
  getHeader,
  isClientCommand,
  mayHaveBody,
  SERVER_COMMANDS,
  type ServerCommand,
  STOMP_VERSIONS,
  type StompFrame,
  type StompHeader,
  type StompHeaders,
  type StompVersion,
} from './frame.js';
export { DEFAULT_LIMITS, resolveLimits, type StompLimits } from './limits.js';
export { StompParser, type StompParserOptions } from './parser.js';
export { Utf8Stream, utf8ByteLength } from './utf8.js';
