import type { TransportName } from '../connection.js';

/**
 * The one transport shape on the server side: something that carries frames to the client.
 *
 * A WebSocket is one sink for the whole session. HTTP transports attach a new sink per receiving
 * request (a poll, or a streaming response until its byte limit), so a session outlives its sinks.
 */
export interface FrameSink {
  readonly transport: TransportName;
  /** Bytes handed to this sink that the operating system has not taken yet. */
  readonly bufferedAmount: number;
  /**
   * Send one SockJS frame. Returns false when the sink is finished after it (a poll carries one frame;
   * a streaming response ends at its byte limit) and must not be used again. `notifyDrain` asks for
   * `onDrain` once this frame has been handed to the operating system: the session asks while the
   * application waits for 'drain', and only then (a completion callback per frame costs a tick each).
   */
  sendFrame(frame: string, notifyDrain?: boolean): boolean;
  /** Finish the receiving request normally (the client will come back with a new one). */
  end(): void;
  /** End the session's transport for good after a close frame (WebSocket: close the socket). */
  close(code: number, reason: string): void;
  /** Drop the transport at once, without a close frame. */
  destroy(): void;
  /** Register the session's callbacks: the request was lost before `end()`, or its buffer drained. */
  bind(events: FrameSinkEvents): void;
}

export interface FrameSinkEvents {
  /** The client went away while this sink was attached (counts as an interrupted session). */
  onAbort(info?: { code: number; reason: string; wasClean: boolean }): void;
  /** The sink's socket accepted everything queued (for backpressure). */
  onDrain(): void;
}
