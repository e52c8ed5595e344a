/*
 * What the socket needs from its runtime, as narrow interfaces so that browsers' globals, Node's `fetch`,
 * the `ws` and `eventsource` packages and hand-written test fakes all fit without casts.
 *
 * Event handler properties are typed `((ev: never) => void) | null`: any handler can be assigned there
 * (a parameter of type `never` accepts every function), so `ws`'s own event types and the DOM's both match.
 */

/** The part of a WebSocket the websocket transport uses. */
export interface WebSocketLike {
  readonly bufferedAmount: number;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The part of an EventSource the eventsource transport uses. */
export interface EventSourceLike {
  onmessage: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
  close(): void;
}

export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean },
) => EventSourceLike;

export interface FetchInit {
  method: 'GET' | 'POST';
  body?: string;
  credentials?: 'include' | 'same-origin';
  signal?: AbortSignal;
}

/** The part of a fetch `Response` the HTTP transports read. */
export interface ResponseLike {
  readonly status: number;
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<ResponseLike>;

/** Timers and time, injectable so heartbeats, timeouts and backoff run under fake clocks. */
export interface Clock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/**
 * The resolved runtime: constructors may be missing (a transport that needs one is then skipped). `fetch` is
 * always there: every supported runtime has it, and where one does not, calling it throws (`fetch is not
 * defined`), which the first request, `/info`, turns into the close reason.
 */
export interface Env {
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
  readonly fetch: FetchLike;
  readonly clock: Clock;
}

export interface EnvOptions {
  /** WebSocket constructor. Default: `globalThis.WebSocket`. In Node 20, pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** EventSource constructor. Default: `globalThis.EventSource`. In Node, pass `EventSource` from `eventsource`. */
  EventSource?: EventSourceConstructor;
  /** fetch implementation. Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Timer functions and time source. Default: the global `setTimeout`/`clearTimeout` and `Date.now`. */
  clock?: Clock;
}

// Looked up at call time, not captured at load time, so that fake timers installed later still apply.
const systemClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
  now: () => Date.now(),
};

export function resolveEnv(options: EnvOptions): Env {
  const g = globalThis as { WebSocket?: WebSocketConstructor; EventSource?: EventSourceConstructor };
  return {
    WebSocket: options.WebSocket ?? g.WebSocket,
    EventSource: options.EventSource ?? g.EventSource,
    // Browsers throw "Illegal invocation" when fetch is called with a `this` other than the window.
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    clock: options.clock ?? systemClock,
  };
}
