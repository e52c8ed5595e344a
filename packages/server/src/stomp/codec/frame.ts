/**
 * The STOMP frame model shared by the parser, the encoder and the session.
 *
 * Headers stay an ordered list rather than a map: STOMP allows a header to repeat and says the first
 * occurrence wins, so collapsing them early would lose what the spec asks us to honour (and what an
 * interceptor may want to see).
 */

/** One header as it appears on the wire, already unescaped. */
export type StompHeader = readonly [name: string, value: string];
export type StompHeaders = readonly StompHeader[];

export interface StompFrame {
  readonly command: string;
  readonly headers: StompHeaders;
  /** Bodies are text: SockJS and WebSocket text messages cannot carry arbitrary octets. */
  readonly body: string;
}

export type StompVersion = '1.0' | '1.1' | '1.2';

/** Newest first: negotiation picks the first one both sides accept. */
export const STOMP_VERSIONS: readonly StompVersion[] = ['1.2', '1.1', '1.0'];

export const CLIENT_COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

export const SERVER_COMMANDS = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;
export type ServerCommand = (typeof SERVER_COMMANDS)[number];

const clientCommands: ReadonlySet<string> = new Set(CLIENT_COMMANDS);

export function isClientCommand(command: string): command is ClientCommand {
  return clientCommands.has(command);
}

/** The spec lets only these carry a body; every other frame with one is malformed. */
export function mayHaveBody(command: string): boolean {
  return command === 'SEND' || command === 'MESSAGE' || command === 'ERROR';
}

/** The first value of `name` (the spec's "first occurrence wins"), or undefined. */
export function getHeader(headers: StompHeaders, name: string): string | undefined {
  for (const header of headers) {
    if (header[0] === name) return header[1];
  }
  return undefined;
}

/** Headers with every repeat removed, keeping each name's first value and the original order. */
export function firstOccurrences(headers: StompHeaders): StompHeaders {
  const seen = new Set<string>();
  const out: StompHeader[] = [];
  for (const header of headers) {
    if (seen.has(header[0])) continue;
    seen.add(header[0]);
    out.push(header);
  }
  return out;
}

export function frame(command: string, headers: StompHeaders = [], body = ''): StompFrame {
  return { command, headers, body };
}
