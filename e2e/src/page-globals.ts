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

export type RunScenario = <N extends ScenarioName>(
  name: N,
  args: ScenarioArgs<N>,
) => Promise<ScenarioResult<N> | ScenarioFailure>;

declare global {
  interface Window {
    /** Our IIFE build (packages/client/dist/sockwire.min.js). */
    Sockwire?: {
      SockwireSocket: new (url: string, options?: { transports?: readonly string[] }) => PageSocket;
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
