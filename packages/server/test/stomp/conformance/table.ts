/**
 * The raw-frame conformance table: each case is a script of frames sent and frames (or a close) expected,
 * over one or more clients. It names no transport, so the same table runs over a fake connection in unit
 * tests, over TCP and WebSocket against a real server, and against RabbitMQ for comparison.
 *
 * Texts may hold `{name}` placeholders: `{ns}` is unique per run (so destinations never collide on a shared
 * broker), and an expectation can capture a header into a variable for later frames (an ACK's id).
 */

export type ClientName = 'a' | 'b' | 'c';

export interface FrameExpectation {
  readonly command: string;
  /** A value to equal, a pattern to match (one that matches '' also accepts absence), or null for "absent". */
  readonly headers?: Readonly<Record<string, string | RegExp | null>>;
  readonly body?: string | RegExp;
  /** Header values to remember as variables: `{ ack: 'm1' }` stores this frame's `ack` as `{m1}`. */
  readonly capture?: Readonly<Record<string, string>>;
}

export type Step =
  | { readonly op: 'send'; readonly client: ClientName; readonly texts: readonly string[] }
  | { readonly op: 'expect'; readonly client: ClientName; readonly frame: FrameExpectation }
  | { readonly op: 'closed'; readonly client: ClientName }
  | { readonly op: 'drop'; readonly client: ClientName };

export interface ConformanceCase {
  readonly group: string;
  readonly name: string;
  /** The spec rule or edge case this checks, for the report. */
  readonly rule: string;
  readonly steps: readonly Step[];
  /** Relies on Sockwire behaviour or defaults the spec leaves open (limits, heart-beat offer). */
  readonly serverSpecific?: boolean;
}

/** Send one transport message, or several (a frame split across messages) when given several texts. */
export function send(...texts: string[]): Step {
  return { op: 'send', client: 'a', texts };
}

export function sendAs(client: ClientName, ...texts: string[]): Step {
  return { op: 'send', client, texts };
}

export function expect(command: string, details: Omit<FrameExpectation, 'command'> = {}): Step {
  return { op: 'expect', client: 'a', frame: { command, ...details } };
}

export function expectAs(
  client: ClientName,
  command: string,
  details: Omit<FrameExpectation, 'command'> = {},
): Step {
  return { op: 'expect', client, frame: { command, ...details } };
}

export function closed(client: ClientName = 'a'): Step {
  return { op: 'closed', client };
}

export function drop(client: ClientName = 'a'): Step {
  return { op: 'drop', client };
}

/** A frame as wire text: `frame('SEND', { destination: '/q' }, 'hi')`. LF line endings, NUL terminated. */
export function wire(command: string, headers: Readonly<Record<string, string>> = {}, body = ''): string {
  let text = `${command}\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}:${value}\n`;
  return `${text}\n${body}\0`;
}

/** CONNECT 1.2 and its CONNECTED. */
export function connect(client: ClientName = 'a', headers: Readonly<Record<string, string>> = {}): Step[] {
  return [
    sendAs(
      client,
      wire('CONNECT', { 'accept-version': '1.2', host: '/', login: 'guest', passcode: 'guest', ...headers }),
    ),
    expectAs(client, 'CONNECTED', { headers: { version: '1.2' } }),
  ];
}

/** An ERROR (with an optional receipt-id), then the connection closes. */
export function errorThenClose(headers: Readonly<Record<string, string | RegExp | null>> = {}): Step[] {
  return [expect('ERROR', { headers: { message: /./, ...headers } }), closed()];
}

/** A round trip proving every earlier frame was processed (and nothing was delivered before it): BEGIN with a receipt, then ABORT. */
export function barrier(client: ClientName, id: string): Step[] {
  return [
    sendAs(client, wire('BEGIN', { transaction: `barrier-${id}`, receipt: `barrier-${id}` })),
    expectAs(client, 'RECEIPT', { headers: { 'receipt-id': `barrier-${id}` } }),
    sendAs(client, wire('ABORT', { transaction: `barrier-${id}` })),
  ];
}
