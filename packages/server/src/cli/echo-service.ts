import type { ServerOptions } from '../options.js';
import { createServer, type SockwireServer } from '../server.js';

/*
 * `sockwire serve`'s `/echo`: the classic first SockJS program (`new SockJS('/echo')`, or
 * `new Sockwire.SockwireSocket('/echo')`) has a server to talk to. Turned off with `--no-echo`.
 */

export const ECHO_PREFIX = '/echo';

/**
 * A plain SockJS service (no STOMP) that writes every message back to its sender. It takes the same
 * origin, host, session-key and session-count options as the STOMP service beside it, and counts its
 * sessions apart from it. Its sessions stay on this node: it is not on a `--broker redis://` session bus.
 */
export function createEchoService(
  options: Pick<
    ServerOptions,
    'allowedOrigins' | 'allowedHosts' | 'sessionKeys' | 'maxSessions' | 'maxSessionsPerAddress'
  >,
): SockwireServer {
  const echo = createServer({ ...options, prefix: ECHO_PREFIX });
  echo.on('connection', (connection) => {
    connection.on('data', (message) => connection.write(message));
  });
  return echo;
}
