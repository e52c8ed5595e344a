import { createServer as createHttpServer } from 'node:http';
import type { StompAppReply } from '../scenario-types.js';
import { type Listening, listen } from './listen.js';

/*
 * Our STOMP broker (the embedded one of @sockwire/server) behind our SockJS server, wired as `sockwire serve`
 * wires it, on its own HTTP server (cross-origin to the pages, like the echo services). One application handler
 * exercises /app routing: a SEND to `/app/echo/{name}` is answered on `/topic/echo/{name}` with what the server
 * saw, including the transport the session came in on.
 */

export const STOMP_PREFIX = '/stomp';

export interface StompService extends Listening {
  /** The SockJS URL a STOMP client opens: `http://127.0.0.1:<port>/stomp`. */
  readonly url: string;
}

/** @param sockjsUrl see `startEchoService`. */
export async function startStompService(sockjsUrl: string): Promise<StompService> {
  // Imported in the worker that serves, for the same reason as in echo.ts.
  const { createServer, createStompBroker, STOMP_SUBPROTOCOLS } = await import('@sockwire/server');
  const broker = createStompBroker();
  broker.onMessage(
    '/echo/{name}',
    (ctx): StompAppReply => ({
      name: ctx.params.name ?? '',
      text: ctx.body,
      transport: ctx.session.transport,
      version: ctx.session.version ?? null,
    }),
  );
  const sockjs = createServer({
    prefix: STOMP_PREFIX,
    // The pages' origin (see echo.ts): '*' never grants sockjs-client's credentialed XHRs.
    allowedOrigins: [new URL(sockjsUrl).origin],
    iframe: true,
    sockjsUrl,
    webSocketProtocols: STOMP_SUBPROTOCOLS,
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  const http = createHttpServer();
  sockjs.installHandlers(http);
  const listening = await listen(http);
  return {
    ...listening,
    url: `${listening.origin}${STOMP_PREFIX}`,
    async close() {
      await broker.close();
      sockjs.close();
      await listening.close();
    },
  };
}

/**
 * The destinations of the application round trip for `name`: the SEND goes to `/app/echo/<name>`, the
 * handler's result to `/topic/echo/<name>` (the broker's default: `/app/x` → `/topic/x`).
 */
export function stompAppDestinations(name: string): { readonly send: string; readonly reply: string } {
  return { send: `/app/echo/${name}`, reply: `/topic/echo/${name}` };
}
