import {
  decodeServerFrame,
  SESSION_KEY_PARAM,
  SESSION_KEY_REQUEST,
  type ServerFrame,
  type SockJSProtocolError,
} from '@sockwire/protocol';
import { ALL_TRANSPORTS_FAILED, PROTOCOL_ERROR } from './close-codes.js';
import type { Env } from './env.js';
import { fetchInfo } from './info.js';
import { DEFAULT_INFO_TIMEOUT, type SockwireSocketOptions } from './options.js';
import type { Transport, TransportFactory, TransportListener } from './transports/transport.js';
import { endpointUrl, randomId } from './url.js';
import { describe } from './util.js';

/** What the socket hears from a connection attempt. */
export interface ConnectCallbacks {
  /** A transport delivered its open frame; `frame` and `close` now report for it alone. */
  open(transport: Transport, factory: TransportFactory): void;
  /** A frame of the open session (after the open frame), decoded. */
  frame(frame: ServerFrame): void;
  /**
   * The end: `/info` failed, every transport failed, the server refused the session (`wasClean`), or the open
   * transport ended without a close frame. Nothing follows it.
   */
  close(code: number, reason: string, wasClean: boolean): void;
}

/**
 * Make a connection: ask `/info`, then try the candidates in order, each in a new session, until one delivers
 * its open frame. Returns a function that abandons everything still running without calling back.
 *
 * Timing comes from the `/info` round-trip time (RTT). The timeout is sockjs-client's: two retransmission
 * timeouts (RTO: 300 ms + RTT, or 4 x RTT past 100 ms), raised to `options.timeout`. Alone, that makes a
 * WebSocket that a proxy silently stalls cost the whole timeout before the fallback even starts. So each
 * attempt also gets a head start, after which the next transport starts in parallel while the first keeps
 * going ("happy eyeballs", RFC 8305): whichever opens first wins. A WebSocket needs about three round trips to
 * open (TCP, TLS, upgrade), so the head start is 3 x RTT plus 100 ms for server and scheduling jitter. A
 * healthy WebSocket opens inside it and nothing runs in parallel.
 */
export function connect(
  env: Env,
  base: URL,
  candidates: readonly TransportFactory[],
  options: SockwireSocketOptions,
  callbacks: ConnectCallbacks,
): () => void {
  const { clock } = env;
  // Each running attempt's stop function; `keep` leaves its transport open (the winner's).
  const stops = new Set<(keep: boolean) => void>();
  let settled = false;
  const settle = (winner?: (keep: boolean) => void): void => {
    settled = true;
    clock.clearTimeout(infoTimer);
    abortInfo.abort();
    for (const stop of stops) stop(stop === winner);
  };
  const end = (code: number, reason: string, wasClean: boolean): void => {
    settle();
    callbacks.close(code, reason, wasClean);
  };

  const abortInfo = new AbortController();
  const infoTimeout = options.infoTimeout ?? DEFAULT_INFO_TIMEOUT;
  const infoUrl = endpointUrl(base, 'info');
  // The reason names the URL tried, without its query string (often a token), then what may explain it.
  const cannotConnect = (why: string, causes = ''): void => {
    if (!settled) {
      end(
        PROTOCOL_ERROR,
        `Cannot connect to server: /info ${why} (GET ${infoUrl.split('?')[0]})${causes}`,
        false,
      );
    }
  };
  const infoTimer = clock.setTimeout(() => cannotConnect(`timed out after ${infoTimeout} ms`), infoTimeout);

  const infoSent = clock.now();
  fetchInfo(env, infoUrl, abortInfo.signal).then(
    (info) => {
      if (settled) return;
      clock.clearTimeout(infoTimer);
      // The round-trip time (RTT) of `/info`: the yardstick for every connect timeout.
      const rtt = clock.now() - infoSent;
      const enabled = candidates.filter((transport) => transport.enabled(env, info));
      const credentials = info.cookieNeeded ? 'include' : 'same-origin';
      const serverId = randomId(3, 10);
      const rto = rtt > 100 ? 4 * rtt : 300 + rtt;
      const timeout = Math.max(options.timeout ?? 0, 2 * rto);
      const headStart = Math.min(timeout, options.fallbackDelay ?? 3 * rtt + 100);
      let started = 0;
      // Why the latest attempt that said why failed (a server's refusal of the session, say): the reason of 2000.
      let lastFailure = '';

      // Never called once settled: settling stops every attempt (their timers, and their `drop`).
      const startNext = (): void => {
        const factory = enabled[started];
        if (!factory) {
          if (stops.size === 0) end(ALL_TRANSPORTS_FAILED, 'All transports failed' + lastFailure, false);
          return;
        }
        // This attempt is the newest while `started` is still its number.
        const number = ++started;
        let transport: Transport | undefined;
        let opened = false;
        const stop = (keep: boolean): void => {
          if (!stops.delete(stop)) return;
          clock.clearTimeout(timer);
          if (!keep) transport?.close();
        };
        // This attempt failed: if it was the newest, the next one starts now instead of at its head start.
        const drop = (): void => {
          if (!stops.has(stop)) return;
          stop(false);
          if (started === number || stops.size === 0) startNext();
        };
        // One timer at a time: the head start's, then the rest of the timeout's.
        let timer = clock.setTimeout(() => {
          if (started === number) startNext();
          timer = clock.setTimeout(drop, timeout - headStart);
        }, headStart);
        stops.add(stop);

        // Every frame of the attempt is decoded here, before and after its open frame.
        const listener: TransportListener = {
          frame(text) {
            if (!opened && !stops.has(stop)) return;
            let frame: ServerFrame;
            try {
              frame = decodeServerFrame(text);
            } catch (thrown) {
              // Before the open frame: whatever answered is not a SockJS server speaking this transport (a
              // proxy's page, say), so try the next. After: never dropped silently, the session ends and says why.
              const error = thrown as SockJSProtocolError;
              return opened ? callbacks.close(error.closeCode, error.message, false) : drop();
            }
            if (opened) {
              callbacks.frame(frame);
            } else if (frame.type === 'open') {
              opened = true;
              // Every later request of the session carries the key; a server that issued none gets nothing.
              key = frame.key;
              settle(stop);
              callbacks.open(transport as Transport, factory);
            } else if (frame.type === 'close') {
              // The server refused the session on purpose; another transport would be refused the same way.
              end(frame.code, frame.reason, true);
            } else if (frame.type === 'messages') {
              drop();
            }
          },
          close(code, reason) {
            if (opened) return callbacks.close(code, reason, false);
            lastFailure = '; last: ' + reason;
            drop();
          },
        };
        const session = serverId + '/' + randomId(16) + '/';
        // The opening request asks for a session key (protocol's session-key.ts) unless told not to. Not over
        // WebSocket: that session is its socket, no other request can reach it.
        let key: string | false | undefined =
          options.sessionKey !== false && factory.transportName !== 'websocket' && SESSION_KEY_REQUEST;
        // The key parameter goes after the base's query string, which every endpoint URL carries (what
        // withSessionKey does, without searching each URL for a `?`).
        const url = (path: string): string =>
          endpointUrl(base, session + path) +
          (key ? (base.search ? '&' : '?') + SESSION_KEY_PARAM + '=' + key : '');
        try {
          transport = factory.open({ env, credentials, url }, listener);
        } catch {
          // Constructors throw synchronously for some refusals (a browser's mixed-content block, a bad URL).
          drop();
        }
      };
      startNext();
    },
    // fetch rejects with a TypeError, and browsers say nothing more ("Failed to fetch"), when nothing answered,
    // when a CORS check failed (another origin's 404, a refusal without CORS headers) and when mixed content was
    // blocked: name those, most likely first.
    (error: unknown) =>
      cannotConnect(
        describe(error),
        error instanceof TypeError
          ? ': server down, wrong path, origin refused, or https page with http URL?'
          : '',
      ),
  );

  return () => settle();
}
