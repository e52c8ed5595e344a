import type { Env } from './env.js';
import type { ServerInfo } from './transports/transport.js';
import { httpFailure } from './util.js';

/**
 * `GET <base>/info`: whether the server takes WebSocket and needs cookies. Rejects on network failure (a
 * TypeError, as fetch gives), HTTP error (with the start of the body, which says why) or a body that is not
 * JSON. The caller owns the timeout (and aborts through `signal`), and times the round trip.
 */
export async function fetchInfo(env: Env, url: string, signal: AbortSignal): Promise<ServerInfo> {
  const response = await env.fetch(url, { method: 'GET', signal });
  if (response.status !== 200) throw new Error(await httpFailure(response));
  const fields = (JSON.parse(await response.text()) ?? {}) as {
    websocket?: unknown;
    cookie_needed?: unknown;
  };
  // Absent means allowed: old servers did not send the field.
  return { websocket: fields.websocket !== false, cookieNeeded: fields.cookie_needed === true };
}
