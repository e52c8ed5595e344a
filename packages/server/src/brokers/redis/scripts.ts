import type { Redis } from 'ioredis';

/*
 * The broker's Lua scripts. Each runs atomically in Redis, which is what gives the guarantees:
 * - publishing takes the id and PUBLISHes/XADDs in one step, so ids increase in the order subscribers see them;
 * - releasing a message (NACK, cancel, a dead node's leftovers) acknowledges the old entry and appends it
 *   again in one step, and only if it was still pending, so two nodes releasing the same entry return it once.
 *
 * They are sent with EVAL every time, never EVALSHA: with EVALSHA a NOSCRIPT retry (after a Redis restart)
 * could run after a later publish and reorder them. EVAL costs the script's few hundred bytes per call; Redis
 * caches the compiled script.
 *
 * Queue entries are stream entries with fields `i` (message id), `h` (headers as JSON), `b` (body) and
 * `n` (deliveries that were rejected or abandoned so far; above 0 means redelivered).
 */

/** KEYS: ids counter. ARGV: channel, headers JSON, body. Returns the message id. */
export const PUBLISH_TOPIC = `
local id = string.format('%d', redis.call('INCR', KEYS[1]))
redis.call('PUBLISH', ARGV[1], id .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
return id`;

/** KEYS: ids counter, stream. ARGV: maxlen, headers JSON, body. Returns {message id, entries dropped}. */
export const PUBLISH_QUEUE = `
local id = string.format('%d', redis.call('INCR', KEYS[1]))
local before = redis.call('XLEN', KEYS[2])
local maxlen = tonumber(ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', maxlen, '*', 'i', id, 'h', ARGV[2], 'b', ARGV[3], 'n', 0)
return {id, math.max(0, before + 1 - maxlen)}`;

/**
 * The shared part: give entry `sid` of stream `key` back to the group, at the end of the stream. `bump` is 1
 * when the message was (or may have been) delivered: it then counts as a redelivery, and past the limit it is
 * dropped; 0 returns a message no consumer saw.
 */
const RELEASE_FUNCTION = `
local function release(key, group, maxlen, limit, sid, bump, counts)
  if redis.call('XACK', key, group, sid) == 0 then return end
  local found = redis.call('XRANGE', key, sid, sid)[1]
  redis.call('XDEL', key, sid)
  if not found then return end
  local fields = {}
  for j = 1, #found[2], 2 do fields[found[2][j]] = found[2][j + 1] end
  local n = tonumber(fields['n'] or '0')
  if bump == 1 and n >= limit then
    counts[2] = counts[2] + 1
  else
    redis.call('XADD', key, 'MAXLEN', maxlen, '*', 'i', fields['i'], 'h', fields['h'], 'b', fields['b'], 'n', n + bump)
    counts[1] = counts[1] + 1
  end
end
`;

/** KEYS: stream. ARGV: group, maxlen, redelivery limit, bump (0/1), stream ids... Returns {returned, dropped}. */
export const RELEASE = `${RELEASE_FUNCTION}
local counts = {0, 0}
local maxlen, limit, bump = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 5, #ARGV do release(KEYS[1], ARGV[1], maxlen, limit, ARGV[i], bump, counts) end
return counts`;

/**
 * KEYS: stream. ARGV: group, maxlen, redelivery limit, alive-key prefix, own consumer name, batch.
 * Releases up to `batch` pending entries of every consumer whose node is no longer alive, and deletes such a
 * consumer once nothing of it is pending (deleting it earlier would orphan its entries in the stream).
 * Returns {returned, dropped, stream length, entries pending in the group}.
 */
export const SWEEP_DEAD = `${RELEASE_FUNCTION}
local key, group = KEYS[1], ARGV[1]
local maxlen, limit, batch = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[6])
local counts = {0, 0}
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', key, group)) do
  local name, pending
  for j = 1, #consumer, 2 do
    if consumer[j] == 'name' then name = consumer[j + 1] elseif consumer[j] == 'pending' then pending = consumer[j + 1] end
  end
  if name ~= ARGV[5] and redis.call('EXISTS', ARGV[4] .. name) == 0 then
    if pending > 0 then
      for _, entry in ipairs(redis.call('XPENDING', key, group, '-', '+', batch, name)) do
        release(key, group, maxlen, limit, entry[1], 1, counts)
      end
    end
    if pending <= batch then redis.call('XGROUP', 'DELCONSUMER', key, group, name) end
  end
end
local summary = redis.call('XPENDING', key, group)
return {counts[1], counts[2], redis.call('XLEN', key), summary[1]}`;

/** Run a script; its reply is checked by the caller. */
export function runScript(
  client: Redis,
  script: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return client.call('EVAL', script, keys.length, ...keys, ...args);
}
