import { createRequire } from 'node:module';

/** What the tests use of a sockjs-client socket: its WebSocket-like surface, plus the transport it chose. */
export interface SockJSSocket {
  readonly readyState: number;
  /** The transport the client settled on, e.g. `xhr-streaming`. */
  readonly transport: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SockJSConstructor = new (
  url: string,
  reserved: null,
  options: { transports: string[] },
) => SockJSSocket;

/**
 * The real sockjs-client package as an interop peer (it runs in Node: same requests, no browser CORS). It is
 * CommonJS and ships no types, hence the require and the declared shape above.
 */
export const SockJS = createRequire(import.meta.url)('sockjs-client') as SockJSConstructor;
