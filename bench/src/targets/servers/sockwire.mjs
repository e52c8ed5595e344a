/*
 * Sockwire's server, the built dist of @sockwire/server (what users run): `/echo` echoes, `/bcast` writes
 * every message to every session with one `write` each, as an application without a broker would.
 */
import { createServer } from '@sockwire/server';

/** @param {import('node:http').Server} http */
export function install(http) {
  let open = 0;
  const echo = createServer({ prefix: '/echo', allowedOrigins: '*' });
  echo.on('connection', (conn) => {
    open++;
    conn.on('close', () => open--);
    conn.on('data', (message) => conn.write(message));
  });
  echo.installHandlers(http);

  /** @type {Set<import('@sockwire/server').Connection>} */
  const group = new Set();
  const bcast = createServer({ prefix: '/bcast', allowedOrigins: '*' });
  bcast.on('connection', (conn) => {
    open++;
    group.add(conn);
    conn.on('close', () => {
      open--;
      group.delete(conn);
    });
    conn.on('data', (message) => {
      for (const peer of group) peer.write(message);
    });
  });
  bcast.installHandlers(http);
  return { sessions: () => open };
}
