/* sockjs-node 0.3.24 with its defaults: `/echo` echoes, `/bcast` writes every message to every session. */
import sockjs from 'sockjs';

/** @param {import('node:http').Server} http */
export function install(http) {
  let open = 0;
  const quiet = { log: () => {} };
  const echo = sockjs.createServer({ ...quiet, prefix: '/echo' });
  echo.on('connection', (conn) => {
    open++;
    conn.on('close', () => open--);
    conn.on('data', (message) => conn.write(message));
  });
  echo.installHandlers(http);

  /** @type {Set<import('sockjs').Connection>} */
  const group = new Set();
  const bcast = sockjs.createServer({ ...quiet, prefix: '/bcast' });
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
