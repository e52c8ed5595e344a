import type { Env } from './env.js';
import type { ServerInfo } from './transports/transport.js';

export interface InfoResult {
  readonly info: ServerInfo;
  /** Round-trip time of the `/info` request, in milliseconds: the yardstick for every connect timeout. */
  readonly rtt: number;
}

/**
 * `GET <base>/info`: whether the server takes WebSocket and needs cookies, and how far away it is.
 * Rejects on network failure, HTTP error or a body that is not JSON. The caller owns the timeout
 * (and aborts through `signal`).
 */
export async function fetchInfo(env: Env, url: string, signal: AbortSignal): Promise<InfoResult> {
  if (!env.fetch) throw new Error('fetch option needed');
  const started = env.clock.now();
  const response = await env.fetch(url, { method: 'GET', signal });
  const body = await response.text();
  if (response.status !== 200) throw new Error('HTTP ' + response.status);
  const fields = (JSON.parse(body) ?? {}) as { websocket?: unknown; cookie_needed?: unknown };
  return {
    // Absent means allowed: old servers did not send the field.
    info: { websocket: fields.websocket !== false, cookieNeeded: fields.cookie_needed === true },
    rtt: env.clock.now() - started,
  };
}
