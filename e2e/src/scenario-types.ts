/*
 * The contract between the page-side scenarios (page/scenarios.js, plain JS run in every engine) and the specs.
 * Everything here crosses a process boundary as JSON (Playwright's evaluate, WebDriver's executeAsync), so it
 * holds only plain data.
 */

/** Which client library a scenario drives: ours (`window.Sockwire`) or the real sockjs-client (`window.SockJS`). */
export type ClientLibrary = 'sockwire' | 'sockjs-client';

/** The transports both libraries share (sockjs-client knows more, e.g. `iframe-eventsource`). */
export type TransportName = 'websocket' | 'xhr-streaming' | 'eventsource' | 'xhr-polling';

export const TRANSPORTS: readonly TransportName[] = [
  'websocket',
  'xhr-streaming',
  'eventsource',
  'xhr-polling',
];

export interface EchoArgs {
  readonly library: ClientLibrary;
  /** Service URL, e.g. `http://127.0.0.1:40123/echo`. */
  readonly url: string;
  /** Restrict and order the transports; omitted: the library's own default list (the fallback in the wild). */
  readonly transports?: readonly string[];
  /** Sent right after open, all at once; the scenario ends when as many messages came back. */
  readonly messages: readonly string[];
  /** Bound on the whole scenario, so that a stuck connection yields a result that says where it stuck. */
  readonly timeoutMs: number;
  /**
   * The last message is a close request (see `closeRequest`): instead of closing itself after the echoes, the
   * scenario waits for the server's close and reports it.
   */
  readonly serverCloses?: boolean;
}

/** Echo services close the connection with this code and reason when they receive this message. */
export function closeRequest(code: number, reason: string): string {
  return `${CLOSE_REQUEST_PREFIX}${JSON.stringify({ code, reason })}`;
}

export const CLOSE_REQUEST_PREFIX = 'close-request ';

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

export interface EchoResult {
  readonly opened: boolean;
  /** The library's `transport` property right after open. */
  readonly transport: string | null;
  /** Milliseconds from the constructor call to `open`. */
  readonly openMs: number | null;
  readonly received: readonly string[];
  /** The close event, after the scenario's own `close()` or an earlier close. */
  readonly close: CloseInfo | null;
  /** Why the scenario ended early, or null when every echo came back. */
  readonly error: string | null;
  /** What happened, in order, with times: the first thing to read when a test fails. */
  readonly log: readonly string[];
}

/** Name → [arguments, result] of every page-side scenario. A STOMP or chat scenario adds its entry here. */
export interface Scenarios {
  echo: [EchoArgs, EchoResult];
}

export type ScenarioName = keyof Scenarios;
export type ScenarioArgs<N extends ScenarioName> = Scenarios[N][0];
export type ScenarioResult<N extends ScenarioName> = Scenarios[N][1];

/** What `window.runScenario` answers when the scenario itself threw (a library missing, a constructor error). */
export interface ScenarioFailure {
  readonly thrown: string;
}
