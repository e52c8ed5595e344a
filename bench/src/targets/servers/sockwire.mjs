/*
 * Sockwire's server, the built dist of @sockwire/server (what users run): `/echo` echoes, `/bcast` writes
 * every message to every session with one `write` each, as an application without a broker would.
 * `options.serverModule` (a file URL) loads another build instead: `--sockwire-dist`, before and after.
 */

/**
 * Every load client connects from 127.0.0.1, so the per-address cap (1000 by default, SECURITY.md) would refuse
 * W2's 1001st and W3's sessions with 429: the harness is one address standing for thousands of users.
 */
export const BENCH_LIMITS = {
  allowedOrigins: /** @type {'*'} */ ('*'),
  maxSessionsPerAddress: 1_000_000,
};

/**
 * @param {import('node:http').Server} http
 * @param {{ serverModule?: string }} options
 */
export async function install(http, options) {
  /** @type {typeof import('@sockwire/server')} */
  const { createServer } = await import(options.serverModule ?? '@sockwire/server');
  let open = 0;
  const echo = createServer({ prefix: '/echo', ...BENCH_LIMITS });
  echo.on('connection', (conn) => {
    open++;
    conn.on('close', () => open--);
    conn.on('data', (message) => conn.write(message));
  });
  echo.installHandlers(http);

  /** @type {Set<import('@sockwire/server').Connection>} */
  const group = new Set();
  const bcast = createServer({ prefix: '/bcast', ...BENCH_LIMITS });
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
