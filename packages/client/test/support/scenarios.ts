/*
 * Scenarios written against the socket's public surface only, with no Node API, so that the end-to-end suite
 * can run the same functions in a browser page (`Sockwire.SockwireSocket` from the IIFE as `Socket`).
 */

/** Sent to a test echo service, makes it close the session with 3000 "Go away!". */
export const CLOSE_REQUEST = 'sockwire-test:close';

export interface ScenarioSocket extends EventTarget {
  readonly readyState: number;
  readonly transport: string | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type ScenarioSocketConstructor<O> = new (url: string, options?: O) => ScenarioSocket;

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** Resolves when the socket closes. */
export function closed(socket: ScenarioSocket): Promise<CloseInfo> {
  return new Promise((resolve) => {
    socket.addEventListener('close', (event) => {
      const { code, reason, wasClean } = event as Event & CloseInfo;
      resolve({ code, reason, wasClean });
    });
  });
}

/** Open a socket; rejects with the close details if it closes first. */
export function open<O>(
  Socket: ScenarioSocketConstructor<O>,
  url: string,
  options?: O,
): Promise<ScenarioSocket> {
  const socket = new Socket(url, options);
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve(socket));
    closed(socket).then((info) => reject(new Error(`closed before open: ${info.code} ${info.reason}`)));
  });
}

/** Collect the next `count` messages. */
export function nextMessages(socket: ScenarioSocket, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const received: string[] = [];
    if (count === 0) return resolve(received);
    const onMessage = (event: Event): void => {
      received.push((event as MessageEvent<string>).data);
      if (received.length === count) {
        socket.removeEventListener('message', onMessage);
        resolve(received);
      }
    };
    socket.addEventListener('message', onMessage);
    closed(socket).then((info) =>
      reject(new Error(`closed after ${received.length}/${count} messages: ${info.code} ${info.reason}`)),
    );
  });
}

/** Send each message and resolve with what came back, in order. */
export async function echo(socket: ScenarioSocket, messages: readonly string[]): Promise<string[]> {
  const replies = nextMessages(socket, messages.length);
  for (const message of messages) socket.send(message);
  return replies;
}

/** Text that exercises the JSON escaping: every character class SockJS escapes on either side, and more. */
export function trickyText(): string[] {
  const ranges: Array<[number, number]> = [
    [0x00, 0x1f],
    [0x7f, 0x9f],
    [0xad, 0xad],
    [0x600, 0x604],
    [0x70f, 0x70f],
    [0x17b4, 0x17b5],
    [0x200c, 0x200f],
    [0x2028, 0x202f],
    [0x2060, 0x206f],
    [0xfeff, 0xfeff],
    [0xfff0, 0xffff],
  ];
  let escaped = '';
  for (const [from, to] of ranges) for (let c = from; c <= to; c++) escaped += String.fromCharCode(c);
  return [
    'plain ascii',
    '"quotes" \\backslashes\\ /slashes/ and \t tabs \n newlines',
    'héllo wörld ñ',
    '日本語のテキスト',
    'emoji 😀🎉 and flags 🇫🇷',
    escaped,
    '\u2028\u2029 line separators',
    '</script><!-- -->',
    '',
  ];
}

/** A string of exactly `bytes` UTF-8 bytes (ASCII). */
export function asciiOfSize(bytes: number): string {
  return 'x'.repeat(bytes);
}

/** Send `count` numbered messages as fast as possible; resolves with any that came back out of order. */
export async function orderedBurst(socket: ScenarioSocket, count: number): Promise<string[]> {
  const messages = Array.from({ length: count }, (_, i) => `m${i}`);
  const replies = await echo(socket, messages);
  return replies.filter((reply, i) => reply !== messages[i]);
}

/** Resolves after `ms` of real time (integration scenarios only: unit tests use fake timers). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface EchoScenarioResult {
  /** `socket.transport` once open. */
  transport: string | null;
  /** Messages whose echo differed from what was sent (empty when all is well). */
  mismatches: Array<{ sent: string; received: string | undefined }>;
  /** How the socket closed after `close()`. */
  close: CloseInfo;
}

/**
 * The whole basic check in one plain function, for a browser page: open, echo `trickyText()`, close. Resolves
 * with what happened (no assertion library inside); rejects if the socket closes early.
 */
export async function echoScenario<O>(
  Socket: ScenarioSocketConstructor<O>,
  url: string,
  options?: O,
): Promise<EchoScenarioResult> {
  const socket = await open(Socket, url, options);
  const transport = socket.transport;
  const messages = trickyText();
  const replies = await echo(socket, messages);
  const mismatches = messages
    .map((message, i) => ({ sent: message, received: replies[i] }))
    .filter((pair) => pair.sent !== pair.received);
  const done = closed(socket);
  socket.close();
  return { transport, mismatches, close: await done };
}
