import { ABNORMAL } from '../close-codes.js';
import type { Env } from '../env.js';
import { describe, httpFailure } from '../util.js';
import type { TransportContext, TransportFactory, TransportName } from './transport.js';

/*
 * What the three HTTP transports share: a receive loop (a receiving request runs until the server ends it,
 * then the next one starts) and the `xhr_send` sender. They differ only in how one receiving request turns
 * into frames, which each transport's own file supplies as a `Receiver`.
 */

/** How one receiving request reports: frames as they arrive, then exactly one `end`. */
export interface ReceiverSink {
  frame(frame: string): void;
  /** The request is over. With a code, it failed and `reason` says why; without, the server ended it. */
  end(code?: number, reason?: string): void;
}

/**
 * Start one receiving request; returns a function that aborts it. The sink may still hear from an aborted
 * request (a fetch receiver does not check): the transport aborts only when it closes, and ignores the sink then.
 */
export type Receiver = (context: TransportContext, sink: ReceiverSink) => () => void;

/**
 * The server closes a send body bigger than its message limit (1 MiB by default in Sockwire's server). A batch
 * stops growing at this many characters; a single larger message still goes, alone.
 */
const MAX_BATCH_LENGTH = 256 * 1024;

export function httpTransport(
  transportName: TransportName,
  enabled: (env: Env) => boolean,
  receive: Receiver,
): TransportFactory {
  return {
    transportName,
    enabled,
    open(context, listener) {
      let closed = false;
      // Set by the first poll() below, before anything can call it.
      let abort: () => void;
      const fail = (code: number, reason: string): void => {
        if (closed) return;
        closed = true;
        abort();
        listener.close(code, reason);
      };
      const poll = (): void => {
        let frames = 0;
        abort = receive(context, {
          frame(frame) {
            frames++;
            if (!closed) listener.frame(frame);
          },
          end(code, reason) {
            // A failed request ends the transport, and so does a response with no frame at all (that is not
            // SockJS talking: stop rather than spin). A response that brought frames is followed by the next.
            if (code !== undefined || frames === 0) fail(code ?? ABNORMAL, reason ?? 'No frame in response');
            else if (!closed) poll();
          },
        });
      };
      poll();

      // Sending: one xhr_send in flight at a time; what is sent meanwhile waits and goes in one next request.
      // The queue holds each message with its UTF-8 size; `buffered` counts the queued and the in-flight bytes.
      const queue: [quoted: string, bytes: number][] = [];
      let buffered = 0;
      let sending = false;
      const flush = (): void => {
        if (sending || !queue[0]) return;
        let body = '';
        let bytes = 0;
        // The first message goes even alone over the limit.
        while (queue[0] && (!body || body.length + queue[0][0].length < MAX_BATCH_LENGTH)) {
          const [quoted, size] = queue.shift() as [string, number];
          body += (body && ',') + quoted;
          bytes += size;
        }
        sending = true;
        context.env
          .fetch(context.url('xhr_send'), {
            method: 'POST',
            body: '[' + body + ']',
            // No headers: a string body goes as text/plain;charset=UTF-8, which keeps the request "simple"
            // for CORS (no preflight round trip).
            credentials: context.credentials,
          })
          // The outcome, `true` when the server took the batch or else what went wrong (a refusal's body says
          // why), then one path for both.
          .then<true | string, string>(
            (response) => response.status === 204 || response.status === 200 || httpFailure(response),
            describe,
          )
          .then((outcome) => {
            sending = false;
            buffered -= bytes;
            if (outcome === true) flush();
            else fail(ABNORMAL, 'xhr_send failed: ' + outcome);
          });
      };
      return {
        send(quoted, bytes) {
          queue.push([quoted, bytes]);
          buffered += bytes;
          flush();
        },
        buffered: () => buffered,
        close() {
          closed = true;
          abort();
        },
      };
    },
  };
}
