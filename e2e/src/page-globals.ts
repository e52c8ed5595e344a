import type { ScenarioArgs, ScenarioFailure, ScenarioName, ScenarioResult } from './scenario-types.js';

/*
 * The globals of the test page, as the page-side script and the specs' evaluate callbacks see them. The two
 * libraries are described only as far as the scenarios use them: the WebSocket-like surface both share.
 */

/** A socket from either library: the WebSocket API plus the name of the transport in use. */
export interface PageSocket {
  readonly transport: string | null | undefined;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A STOMP frame as stompjs hands it to callbacks: `IMessage`/`IFrame`, as far as the scenarios read them. */
export interface PageStompFrame {
  readonly command: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Ours is `SockwireStompClient`, a @stomp/stompjs `Client`: the part of both the scenarios use. */
export interface PageStompClient {
  /** stompjs's socket factory; ours makes a SockwireSocket, a scenario may replace it before `activate()`. */
  webSocketFactory: () => PageSocket;
  /** The socket of the current connection (stompjs's `webSocket` getter). */
  readonly webSocket: PageSocket | undefined;
  readonly active: boolean;
  readonly connected: boolean;
  onConnect: (frame: PageStompFrame) => void;
  onStompError: (frame: PageStompFrame) => void;
  onWebSocketClose: (event: CloseEvent) => void;
  onWebSocketError: (event: Event) => void;
  activate(): void;
  deactivate(options?: { force?: boolean }): Promise<void>;
  subscribe(destination: string, callback: (message: PageStompFrame) => void): { id: string };
  subscribeJson<T>(
    destination: string,
    callback: (value: T, message: PageStompFrame) => void,
  ): { id: string };
  publish(params: { destination: string; body?: string; headers?: Record<string, string> }): void;
  watchForReceipt(receiptId: string, callback: (frame: PageStompFrame) => void): void;
}

/** `createStompClient`'s options, as far as the scenarios set them (stompjs's `StompConfig` plus ours). */
export interface PageStompConfig {
  socket?: { transports?: readonly string[] };
  reconnectDelay?: number;
  debug?: (line: string) => void;
  onJsonError?: (error: Error, message: PageStompFrame) => void;
}

/** The page's scenarios by name, each taking its own arguments (so that `runScenario` can dispatch on the name). */
export type ScenarioTable = {
  [N in ScenarioName]: (args: ScenarioArgs<N>) => Promise<ScenarioResult<N>>;
};

export type RunScenario = <N extends ScenarioName>(
  name: N,
  args: ScenarioArgs<N>,
) => Promise<ScenarioResult<N> | ScenarioFailure>;

declare global {
  interface Window {
    /** Our IIFE build (packages/client/dist/sockwire.min.js). */
    Sockwire?: {
      SockwireSocket: new (url: string, options?: { transports?: readonly string[] }) => PageSocket;
      /** Only with sockwire-stomp.min.js (which includes everything sockwire.min.js has). */
      createStompClient?: (url: string, config?: PageStompConfig) => PageStompClient;
    };
    /** sockjs-client's dist file: `new SockJS(url, protocols, options)`. */
    SockJS?: new (
      url: string,
      protocols?: null,
      options?: { transports?: readonly string[] },
    ) => PageSocket;
    /** Defined by page/scenarios.js. */
    runScenario: RunScenario;
  }
}
