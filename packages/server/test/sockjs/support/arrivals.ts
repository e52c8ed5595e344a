import type { IncomingMessage, Server } from 'node:http';

/**
 * Resolves when `http` receives the next request for `url`'s path. Listen before sending it.
 *
 * Sockwire's dispatcher is the server's first `request` listener (installHandlers puts it there), and a
 * receiving request is attached to its session synchronously inside it. Listeners run in order, so by the
 * time this one runs, the request is being served: a poll is waiting at its session, for instance.
 */
export function arrival(http: Server, url: string, timeoutMs = 5000): Promise<void> {
  const path = new URL(url).pathname;
  return new Promise((resolve, reject) => {
    const onRequest = (request: IncomingMessage): void => {
      if (request.url?.split('?', 1)[0] !== path) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no request for ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      http.off('request', onRequest);
    };
    http.on('request', onRequest);
  });
}
