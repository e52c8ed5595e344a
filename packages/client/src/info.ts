import type { Env } from './env.js';
import type { ServerInfo } from './transports/transport.js';

/**
 * `GET <base>/info`: whether the server takes WebSocket and needs cookies. Rejects on network failure, HTTP
 * error or a body that is not JSON. The caller owns the timeout (and aborts through `signal`), and times the
 * round trip.
 */
export async function fetchInfo(env: Env, url: string, signal: AbortSignal): Promise<ServerInfo> {
  if (!env.fetch) throw new Error('fetch option needed');
  const response = await env.fetch(url, { method: 'GET', signal });
  const body = await response.text();
  if (response.status !== 200) throw new Error('HTTP ' + response.status);
  const fields = (JSON.parse(body) ?? {}) as { websocket?: unknown; cookie_needed?: unknown };
  // Absent means allowed: old servers did not send the field.
  return { websocket: fields.websocket !== false, cookieNeeded: fields.cookie_needed === true };
}
