import type { PageSocket, PageStompFrame } from './page-globals.js';
import type { CloseInfo, TransportName } from './scenario-types.js';

/*
 * The contract between page/offline-resume.js (plain JS, injected into the test page of every engine) and
 * tests/offline-resume.spec.ts. Unlike the one-shot scenarios of scenarios.js, this page keeps a STOMP client
 * alive while the test takes the network away and brings it back, so it is driven step by step:
 * `window.offlineResume.start(args)`, then `snapshot()` as often as needed, `type(text)`, `stop()`. Every call
 * answers with a snapshot, as JSON text (WebDriver would take an object with a truthy `error` for a failure),
 * through `call(method, arg)`.
 */

export interface ResumeStartArgs {
  /** SockJS URL of the STOMP service, through the cut proxy. */
  readonly url: string;
  /** The one transport the client may use (`socket: { transports: [transport] }`). */
  readonly transport: TransportName;
  /** Subscribed with `client.subscribe` before `activate()`; every message is recorded. */
  readonly topic: string;
  /** Where `type(text)` sends, with `client.send`. */
  readonly sendTo: string;
  /** Reconnect backoff of the SDK (`minDelay`, `maxDelay`): short, so that coming back online is seen soon. */
  readonly minDelay: number;
  readonly maxDelay: number;
}

/** A message as the subscription's callback got it. */
export interface ResumeMessage {
  readonly body: string;
  /** `x-stream-offset`, as a number (null when the message had none). */
  readonly offset: number | null;
  readonly epoch: string | null;
}

/** `onGap`'s argument (the SDK's StompGap). */
export interface ResumeGap {
  readonly subscriptionId: string;
  readonly destination: string;
  readonly reason: string;
  readonly requested: number | null;
  readonly resumedAt: number | null;
}

/** One `client.send()`, and how its promise settled. */
export interface ResumeSend {
  readonly text: string;
  /** `client.connected` when it was called. */
  readonly connectedWhenTyped: boolean;
  state: 'pending' | 'confirmed' | 'rejected';
  /** The rejection's message. */
  failure: string | null;
  /** How many CONNECTED frames the client had had when the promise settled. */
  connectsWhenSettled: number | null;
}

export interface ResumeSnapshot {
  readonly connected: boolean;
  /** CONNECTED frames so far: 1 for the first connection, one more per reconnect. */
  readonly connects: number;
  /** `client.webSocket.transport` on each CONNECTED. */
  readonly transports: readonly (string | null)[];
  /** Every close of the client's socket. */
  readonly closes: readonly CloseInfo[];
  readonly received: readonly ResumeMessage[];
  readonly gaps: readonly ResumeGap[];
  readonly sends: readonly ResumeSend[];
  /** ERROR frames, JSON errors, exceptions of the page's own code. */
  readonly problems: readonly string[];
  /** What happened, with times, stompjs's debug lines included. */
  readonly log: readonly string[];
}

export type ResumeMethod = 'start' | 'snapshot' | 'type' | 'stop';

export interface OfflineResumePage {
  start(args: ResumeStartArgs): string;
  snapshot(): string;
  type(text: string): string;
  /** `deactivate()`, bounded; resolves with the snapshot after it. */
  stop(): Promise<string>;
  /**
   * The one entry point the drivers use: calls `method` with `arg`; never rejects (an exception becomes
   * `{"thrown": "..."}`), so that every engine reports a failure of the page's code the same way.
   */
  call(method: ResumeMethod, arg: unknown): Promise<string>;
}

/** The SDK's client (`Sockwire.createStompClient`), as far as this page uses it. */
export interface ResumeStompClient {
  readonly webSocket: PageSocket | undefined;
  readonly active: boolean;
  readonly connected: boolean;
  onConnect: (frame: PageStompFrame) => void;
  onStompError: (frame: PageStompFrame) => void;
  onWebSocketClose: (event: CloseEvent) => void;
  activate(): void;
  deactivate(): Promise<void>;
  subscribe(destination: string, callback: (message: PageStompFrame) => void): { id: string };
  send(destination: string, body?: string, headers?: Record<string, string>): Promise<void>;
}

/** The options of `createStompClient` this page sets: stompjs's, the socket's and the SDK's own. */
export interface ResumeStompConfig {
  socket: { transports: readonly string[] };
  minDelay: number;
  maxDelay: number;
  onGap: (gap: {
    subscriptionId: string;
    destination: string;
    reason: string;
    requested: number | undefined;
    resumedAt: number | undefined;
  }) => void;
  debug: (line: string) => void;
}

export type ResumeClientFactory = (url: string, config: ResumeStompConfig) => ResumeStompClient;

declare global {
  interface Window {
    /** Defined by page/offline-resume.js once injected. */
    offlineResume?: OfflineResumePage;
  }
}
