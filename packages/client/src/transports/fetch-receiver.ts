import { type SockJSProtocolError, XhrStreamDecoder } from '@sockwire/protocol';
import { ABNORMAL } from '../close-codes.js';
import { describe, httpFailure } from '../util.js';
import type { Receiver } from './http.js';

/**
 * A receiving request over fetch: POST `<session>/<path>`, read the body as it streams, one frame per line.
 * xhr-streaming's response carries many lines and a 2 KiB `h` prelude (the decoder skips it); xhr-polling's
 * carries one line. Reading the body stream serves both.
 */
export function fetchReceiver(path: string): Receiver {
  return (context, sink) => {
    const controller = new AbortController();
    const read = async (): Promise<void> => {
      const response = await context.env.fetch(context.url(path), {
        method: 'POST',
        credentials: context.credentials,
        signal: controller.signal,
      });
      if (response.status !== 200 || !response.body) {
        throw new Error(await httpFailure(response));
      }
      const reader = response.body.getReader();
      const text = new TextDecoder();
      const lines = new XhrStreamDecoder();
      for (;;) {
        const result = await reader.read();
        if (result.done) return sink.end();
        for (const frame of lines.push(text.decode(result.value, { stream: true }))) sink.frame(frame);
      }
    };
    read().catch((error: unknown) => {
      sink.end(
        (error as Partial<SockJSProtocolError>).closeCode ?? ABNORMAL,
        `${path} failed: ${describe(error)}`,
      );
    });
    return () => controller.abort();
  };
}
