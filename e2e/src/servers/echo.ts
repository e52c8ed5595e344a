import { createServer as createHttpServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createSockwireServer } from '@sockwire/server';
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

/** The part of sockjs-node (which ships no types) used here. */
interface SockjsNodeConnection {
  write(message: string): boolean;
  on(event: 'data', listener: (message: string) => void): void;
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
    const sockwire = createSockwireServer({ prefix: ECHO_PREFIX, allowedOrigins: '*', sockjsUrl });
    sockwire.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));
    sockwire.installHandlers(http);
  } else {
    const sockjs = createRequire(import.meta.url)('sockjs') as SockjsNodeModule;
    const service = sockjs.createServer({ sockjs_url: sockjsUrl, log: () => {} });
    service.on('connection', (conn) => conn.on('data', (message) => conn.write(message)));
    service.installHandlers(http, { prefix: ECHO_PREFIX });
  }
  const listening = await listen(http);
  return { ...listening, kind, url: `${listening.origin}${ECHO_PREFIX}` };
}
