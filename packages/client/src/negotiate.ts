import { CloseCode, decodeServerFrame, type ServerFrame } from '@sockwire/protocol';
import type { Env } from './env.js';
import type { ServerInfo, Transport, TransportFactory, TransportListener } from './transports/transport.js';
import { endpointUrl, randomSessionId } from './url.js';

export interface NegotiationTiming {
  /** How long an attempt may take to deliver its open frame before it is abandoned. */
  readonly timeout: number;
  /** How long an attempt runs alone before the next transport is started beside it. */
  readonly headStart: number;
}

/**
 * Timing from the `/info` round-trip time.
 *
 * The timeout is sockjs-client's: two retransmission timeouts (RTO: 300 ms + RTT, or 4 x RTT past 100 ms),
 * raised to `minTimeout`. Alone, that makes a WebSocket that a proxy silently stalls cost the whole timeout
 * before the fallback even starts. So each attempt also gets a head start, after which the next transport
 * starts in parallel while the first keeps going ("happy eyeballs", RFC 8305): whichever opens first wins.
 * A WebSocket needs about three round trips to open (TCP, TLS, upgrade), so the head start is 3 x RTT plus
 * 100 ms for server and scheduling jitter. A healthy WebSocket opens inside it and nothing runs in parallel.
 */
export function negotiationTiming(rtt: number, minTimeout: number, headStart?: number): NegotiationTiming {
  const rto = rtt > 100 ? 4 * rtt : 300 + rtt;
  const timeout = Math.max(minTimeout, 2 * rto);
  return { timeout, headStart: Math.min(timeout, headStart ?? 3 * rtt + 100) };
}

export interface NegotiationParams {
  readonly env: Env;
  readonly info: ServerInfo;
  readonly base: URL;
  readonly serverId: string;
  /** Enabled transports, in preference order. */
  readonly candidates: readonly TransportFactory[];
  readonly timing: NegotiationTiming;
}

export interface NegotiationCallbacks {
  /** Receives the winning transport's frames and end, from the frame after its open frame on. */
  readonly session: TransportListener;
  open(transport: Transport, factory: TransportFactory): void;
  fail(code: number, reason: string, wasClean: boolean): void;
}

/**
 * Try the candidates in order, each in a new session, until one delivers its open frame. Returns a function
 * that abandons the negotiation (and every attempt still running) without calling back.
 */
export function negotiate(params: NegotiationParams, callbacks: NegotiationCallbacks): () => void {
  const { env, timing } = params;
  const clock = env.clock;
  const credentials = params.info.cookieNeeded ? 'include' : 'same-origin';
  // Each running attempt's stop function; `keep` leaves its transport open (the winner's).
  const stops = new Set<(keep: boolean) => void>();
  let started = 0;
  let settled = false;

  const settle = (winner?: (keep: boolean) => void): void => {
    settled = true;
    for (const stop of stops) stop(stop === winner);
  };

  const startNext = (): void => {
    if (settled) return;
    const factory = params.candidates[started];
    if (factory === undefined) {
      if (stops.size === 0) {
        settled = true;
        callbacks.fail(CloseCode.ALL_TRANSPORTS_FAILED, 'All transports failed', false);
      }
      return;
    }
    const index = started++;
    let transport: Transport | undefined;
    let opened = false;
    const stop = (keep: boolean): void => {
      if (!stops.delete(stop)) return;
      clock.clearTimeout(headStartTimer);
      clock.clearTimeout(timeoutTimer);
      if (!keep) transport?.close();
    };
    // This attempt failed: if it was the newest, the next one starts now instead of at its head start.
    const drop = (): void => {
      if (!stops.has(stop)) return;
      stop(false);
      if (started === index + 1 || stops.size === 0) startNext();
    };
    const headStartTimer = clock.setTimeout(() => {
      if (started === index + 1) startNext();
    }, timing.headStart);
    const timeoutTimer = clock.setTimeout(drop, timing.timeout);
    stops.add(stop);

    const listener: TransportListener = {
      frame(text) {
        if (opened) return callbacks.session.frame(text);
        if (!stops.has(stop)) return;
        let frame: ServerFrame;
        try {
          frame = decodeServerFrame(text);
        } catch {
          // Whatever answered is not a SockJS server speaking this transport (a proxy's page, say).
          return drop();
        }
        if (frame.type === 'open') {
          opened = true;
          settle(stop);
          callbacks.open(transport as Transport, factory);
        } else if (frame.type === 'close') {
          // The server refused the session on purpose; another transport would be refused the same way.
          settle();
          callbacks.fail(frame.code, frame.reason, true);
        } else if (frame.type === 'messages') {
          drop();
        }
      },
      close(code, reason) {
        if (opened) callbacks.session.close(code, reason);
        else drop();
      },
    };
    const session = params.serverId + '/' + randomSessionId() + '/';
    try {
      transport = factory.open(
        { env, credentials, url: (path) => endpointUrl(params.base, session + path) },
        listener,
      );
    } catch {
      // Constructors throw synchronously for some refusals (a browser's mixed-content block, a bad URL).
      drop();
    }
  };

  startNext();
  return () => settle();
}
