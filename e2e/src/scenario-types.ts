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
   * Sockwire only: its `fallbackDelay` option, the ms an attempt runs alone before the next transport starts
   * beside it (default 3 x RTT + 100, so ~100 ms on loopback, where a loaded browser may lose the race).
   */
  readonly fallbackDelay?: number;
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

export interface StompArgs {
  /**
   * Whose socket carries STOMP: ours (`Sockwire.createStompClient`), or the real sockjs-client handed to the
   * same stompjs client through `webSocketFactory`. Either way on our broker.
   */
  readonly library: ClientLibrary;
  /** SockJS URL of the STOMP service, e.g. `http://127.0.0.1:40125/stomp`. */
  readonly url: string;
  /** The one transport the socket may use. */
  readonly transport: TransportName;
  /** A broker destination of this run (`/topic/...`): subscribed, then each message is published to it. */
  readonly topic: string;
  /** Published to `topic` in order, each with a receipt; the scenario waits for every one to come back. */
  readonly messages: readonly string[];
  /** The application round trip: SEND `appText` to `app.send`, get the handler's JSON reply on `app.reply`. */
  readonly app: { readonly send: string; readonly reply: string };
  readonly appText: string;
  /** Bound on the scenario up to `deactivate()`, which then has 3 s more (as `close()` has in `echo`). */
  readonly timeoutMs: number;
}

/** What the broker's `/app/echo/{name}` handler replies with, as JSON (see src/servers/stomp.ts). */
export interface StompAppReply {
  readonly name: string;
  readonly text: string;
  /** The server's name for the session's transport. */
  readonly transport: string;
  /** The STOMP version the session speaks. */
  readonly version: string | null;
}

export interface StompResult {
  /** A CONNECTED frame came. */
  readonly connected: boolean;
  /** `client.webSocket.transport` when CONNECTED came: the socket stompjs really uses. */
  readonly transport: string | null;
  /** The CONNECTED frame's `version` header. */
  readonly version: string | null;
  /** Receipt ids received, in order (one per SEND). */
  readonly receipts: readonly string[];
  /** Bodies received on `topic`, in order. */
  readonly received: readonly string[];
  /** The handler's reply received on `app.reply`, parsed by `subscribeJson`. */
  readonly appReply: StompAppReply | null;
  /** `deactivate()` resolved within the bound, and left the client neither active nor connected. */
  readonly deactivated: boolean;
  /** The socket's close event (after deactivate, or an earlier close). */
  readonly close: CloseInfo | null;
  /** Why the scenario ended early (an ERROR frame, a close, the bound), or null. */
  readonly error: string | null;
  /** What happened, in order, with times, stompjs's own debug lines included. */
  readonly log: readonly string[];
}

/** Name → [arguments, result] of every page-side scenario. A chat scenario adds its entry here. */
export interface Scenarios {
  echo: [EchoArgs, EchoResult];
  stomp: [StompArgs, StompResult];
}

export type ScenarioName = keyof Scenarios;
export type ScenarioArgs<N extends ScenarioName> = Scenarios[N][0];
export type ScenarioResult<N extends ScenarioName> = Scenarios[N][1];

/** What `window.runScenario` answers when the scenario itself threw (a library missing, a constructor error). */
export interface ScenarioFailure {
  readonly thrown: string;
}
