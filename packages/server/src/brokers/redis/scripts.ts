import type { Redis } from 'ioredis';

/*
 * The broker's Lua scripts: here the topic publish and how every script is run; queues have theirs in
 * queue-scripts.ts, topic history in history-scripts.ts. Each runs atomically in Redis, which is what gives the
 * guarantees:
 * - publishing takes the id and PUBLISHes/XADDs in one step, so ids increase in the order subscribers see them;
 * - releasing a message (NACK, cancel, a dead node's leftovers) acknowledges the old entry and appends it
 *   again in one step, and only if it was still pending, so two nodes releasing the same entry return it once;
 * - the counts that quotas check across nodes change in the same step as what they count.
 *
 * They are sent with EVAL every time, never EVALSHA: with EVALSHA a NOSCRIPT retry (after a Redis restart)
 * could run after a later publish and reorder them. EVAL costs the script's text per call (a few hundred bytes
 * to a few KB); Redis caches the compiled script.
 */

/** KEYS: ids counter. ARGV: channel, headers JSON, body. Returns the message id. */
export const PUBLISH_TOPIC = `
local id = string.format('%d', redis.call('INCR', KEYS[1]))
redis.call('PUBLISH', ARGV[1], id .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
return id`;

/** Run a script; its reply is checked by the caller. */
export function runScript(
  client: Redis,
  script: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return client.call('EVAL', script, keys.length, ...keys, ...args);
}
