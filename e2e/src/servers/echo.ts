import { createServer as createHttpServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { CLOSE_REQUEST_PREFIX } from '../scenario-types.js';
import { type Listening, listen } from './listen.js';

/*
 * The two SockJS echo services every scenario can target: ours (@sockwire/server) and the reference
 * implementation (sockjs-node), each on its own HTTP server, so that every page → service request is
 * cross-origin and CORS is exercised as users hit it.
 */

export const ECHO_PREFIX = '/echo';

export type ServerKind = 'sockwire' | 'sockjs-node';

export interface EchoService extends Listening {
  readonly kind: ServerKind;
  /** The service URL a client opens: `http://127.0.0.1:<port>/echo`. */
  readonly url: string;
}

/** What both servers' connections offer, as far as the echo uses it. */
interface EchoConnection {
  write(message: string): unknown;
  close(code?: number, reason?: string): unknown;
}

/** The part of sockjs-node (which ships no types) used here. */
interface SockjsNodeConnection extends EchoConnection {
  on(event: 'data', listener: (message: string) => void): void;
}

/** Echoes every message, except a close request (see `closeRequest`), which closes as asked. */
function echo(conn: EchoConnection): (message: string) => void {
  return (message) => {
    if (!message.startsWith(CLOSE_REQUEST_PREFIX)) {
      conn.write(message);
      return;
    }
    const { code, reason } = JSON.parse(message.slice(CLOSE_REQUEST_PREFIX.length)) as {
      code: number;
      reason: string;
    };
    conn.close(code, reason);
  };
}
interface SockjsNodeModule {
  createServer(options: Record<string, unknown>): {
    on(event: 'connection', listener: (connection: SockjsNodeConnection) => void): void;
    installHandlers(server: Server, options: { prefix: string }): void;
  };
}

/**
 * @param sockjsUrl where the services' iframe page loads sockjs-client from: the page server's copy, so that
 * sockjs-client's iframe transports (which it may pick during fallback) work without the internet.
 */
export async function startEchoService(kind: ServerKind, sockjsUrl: string): Promise<EchoService> {
  const http = createHttpServer();
  if (kind === 'sockwire') {
    // Imported here, in the worker that serves, not when Playwright loads the spec files to list the tests
    // (in its main process, which resolves the package to dist/ instead of the sources: see the config).
    const { createServer: createSockwireServer } = await import('@sockwire/server');
    // The pages' origin, listed rather than '*': sockjs-client's cross-origin XHRs ask for credentials, which
    // '*' never grants. The iframe page is opt-in; sockjs-client's iframe transports may be picked in fallback.
    const sockwire = createSockwireServer({
      prefix: ECHO_PREFIX,
      allowedOrigins: [new URL(sockjsUrl).origin],
      iframe: true,
      sockjsUrl,
    });
    sockwire.on('connection', (conn) => conn.on('data', echo(conn)));
    sockwire.installHandlers(http);
  } else {
    const sockjs = createRequire(import.meta.url)('sockjs') as SockjsNodeModule;
    const service = sockjs.createServer({ sockjs_url: sockjsUrl, log: () => {} });
    service.on('connection', (conn) => conn.on('data', echo(conn)));
    service.installHandlers(http, { prefix: ECHO_PREFIX });
  }
  const listening = await listen(http);
  return { ...listening, kind, url: `${listening.origin}${ECHO_PREFIX}` };
}
