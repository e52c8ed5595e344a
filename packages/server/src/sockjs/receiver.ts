import type { TransportName } from '../connection.js';

/**
 * The one transport shape on the server side: something that carries frames to the client.
 *
 * A WebSocket is one receiver for the whole session. HTTP transports attach a new receiver per receiving
 * request (a poll, or a streaming response until its byte limit), so a session outlives its receivers.
 */
export interface Receiver {
  readonly transport: TransportName;
  /** Bytes handed to this receiver that the operating system has not taken yet. */
  readonly bufferedAmount: number;
  /**
   * Send one SockJS frame. Returns false when the receiver is finished after it (a poll carries one frame;
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
  bind(events: ReceiverEvents): void;
}

export interface ReceiverEvents {
  /** The client went away while this receiver was attached (counts as an interrupted session). */
  onAbort(info?: { code: number; reason: string; wasClean: boolean }): void;
  /** The receiver's socket accepted everything queued (for backpressure). */
  onDrain(): void;
}
