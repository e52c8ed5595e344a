import { NO_LIMIT } from './options.js';

/*
 * The Lua scripts of queues (see README.md, "Queue quotas and expiry"). Layout, per queue d:
 * - `queue:<d>`: its stream (consumer group `sockwire`, one consumer per node), entries with fields `i` (message
 *   id), `h` (headers JSON), `b` (body), `n` (deliveries rejected or abandoned so far);
 * - `queue-holders:<d>`: a hash holder -> ms at which its lease ends. A holder is one node's reading of d (node
 *   id and a serial: a node that stops reading d and starts again at once has two, so that giving up the old
 *   lease cannot remove the new one); it holds a lease while the node has consumers of d, renewed every third of
 *   `nodeTimeout`.
 * Both expire together (PEXPIRE) when d has had no publish for the idle ttl and no lease for as long.
 * Across queues, for the quotas that count the whole Redis: `queue-index` (sorted set: d -> the ms at which d
 * expires), `queue-sizes` (hash: d -> bytes its stream holds) and `queue-bytes` (the total). Every script that
 * counts first forgets the queues whose time is up (`purge`), so that what expired by itself in Redis stops
 * counting: the index, not Redis's expiry, is what the counts trust.
 *
 * The byte counts stay exact because every change to a stream goes through these scripts: an entry weighs the
 * same when it is added, trimmed, acknowledged, released (deleted and appended again with only `n` changed) or
 * dropped past the redelivery limit. An entry is weighed by what Redis stores of it (UTF-8 bytes): id, headers
 * and body, plus the destination and 64, as the history weighs messages.
 *
 * Every script has the three shared keys first (KEYS[1..3]: index, sizes, total) and the two key prefixes first
 * (ARGV[1..2]: of `queue:` and `queue-holders:`), so that any of them can drop a queue and its share of the
 * bytes. `now` is an argument: ms from the broker's `now` option, or '' for Redis's clock (TIME), which every
 * node then shares. A limit given as Infinity arrives as NO_LIMIT, which no count reaches.
 */

const FUNCTIONS = `
if redis.replicate_commands then redis.replicate_commands() end
local index, sizes, total = KEYS[1], KEYS[2], KEYS[3]
local stream_prefix, holders_prefix = ARGV[1], ARGV[2]
local NO_LIMIT = ${NO_LIMIT}
local function now_ms(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(n) return string.format('%d', n) end
local function weigh(d, fields)
  local bytes = #d + 64
  for j = 1, #fields - 1, 2 do
    local name = fields[j]
    if name == 'i' or name == 'h' or name == 'b' then bytes = bytes + #fields[j + 1] end
  end
  return bytes
end
local function size_of(d) return tonumber(redis.call('HGET', sizes, d) or '0') end
local function add_bytes(d, delta)
  if delta == 0 then return end
  local before = size_of(d)
  local after = math.max(0, before + delta)
  if after > 0 then redis.call('HSET', sizes, d, int(after)) else redis.call('HDEL', sizes, d) end
  local all = tonumber(redis.call('GET', total) or '0')
  local change = math.max(-all, after - before)
  if all + change <= 0 then redis.call('DEL', total) elseif change ~= 0 then redis.call('INCRBY', total, int(change)) end
end
local function drop(d)
  redis.call('UNLINK', stream_prefix .. d, holders_prefix .. d)
  add_bytes(d, -size_of(d))
  redis.call('ZREM', index, d)
end
local function purge(now)
  for _, d in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', int(now))) do drop(d) end
end
local function expiry(d) return tonumber(redis.call('ZSCORE', index, d) or '0') end
local function idle_end(from, ttl)
  if ttl >= NO_LIMIT then return NO_LIMIT end
  return from + ttl
end
local function expire_at(d, at, now)
  redis.call('ZADD', index, int(at), d)
  for _, key in ipairs({stream_prefix .. d, holders_prefix .. d}) do
    if at >= NO_LIMIT then redis.call('PERSIST', key) else redis.call('PEXPIRE', key, int(math.max(1, at - now))) end
  end
  local keep = at - now
  for _, key in ipairs({index, sizes, total}) do
    if at >= NO_LIMIT then
      redis.call('PERSIST', key)
    else
      local left = redis.call('PTTL', key)
      if left == -1 or (left >= 0 and left < keep) then redis.call('PEXPIRE', key, int(2 * keep)) end
    end
  end
end
local function live_lease(d, now)
  local key, latest = holders_prefix .. d, 0
  local holders = redis.call('HGETALL', key)
  for j = 1, #holders - 1, 2 do
    local lease = tonumber(holders[j + 1]) or 0
    if lease > now then latest = math.max(latest, lease) else redis.call('HDEL', key, holders[j]) end
  end
  return latest
end
local function register(d, now, max_queues)
  if redis.call('ZSCORE', index, d) then return nil end
  if redis.call('ZCARD', index) >= max_queues then
    local room = false
    for _, candidate in ipairs(redis.call('ZRANGE', index, 0, 63)) do
      if size_of(candidate) == 0 and live_lease(candidate, now) == 0 then
        drop(candidate)
        room = true
        break
      end
    end
    if not room then return {'!quota', 'maxQueues', 0, 0} end
  end
  local bytes = 0
  for _, entry in ipairs(redis.call('XRANGE', stream_prefix .. d, '-', '+')) do bytes = bytes + weigh(d, entry[2]) end
  add_bytes(d, bytes - size_of(d))
  redis.call('ZADD', index, int(now), d)
  return nil
end
`;

/*
 * `redis.replicate_commands()` lets a script write after TIME on Redis 5 and 6 (a no-op since 7).
 * `drop(d)` forgets a queue: its keys (UNLINK: freed in the background), its bytes, its index entry. `purge(now)`
 * drops every queue whose time is up; their keys have expired by then with Redis's clock, so this is mostly
 * bookkeeping, done once per queue.
 * `expire_at(d, at, now)` sets when d expires, in the index and on its keys. The shared keys are kept alive at
 * least as long as the queue expiring last (extended to twice its time whenever less is left, which spares a
 * PEXPIRE on most calls), so a Redis that every node left holds nothing of the queues once they expired.
 * `live_lease(d, now)` is when the last lease of a node consuming d ends (0: no node consumes it), forgetting
 * lapsed leases (a node that died, or lost Redis for longer than `nodeTimeout`).
 * `register(d, now, max_queues)` makes d count as a queue, or returns the refusal: at max_queues it first drops
 * the least recently used vacant queue (nothing held, no lease), looking at the 64 that expire first (the vacant
 * ones are there: a consumed queue's lease puts it last). A stream that exists unregistered (written by an older
 * version, or its index entry lost with the shared keys) gets its entries weighed once, here.
 */

/**
 * KEYS: index, sizes, total, ids counter, stream. ARGV: prefixes, now, destination, max entries, maxQueuedBytes,
 * maxTotalQueuedBytes, maxQueues, idle ttl ms, headers JSON, body. Returns {message id, entries dropped}, or
 * {'!quota', option, message bytes, bytes held} when a quota refuses the message (nothing was written then but
 * the id counter).
 */
export const PUBLISH_QUEUE = `${FUNCTIONS}
local now, d, key = now_ms(ARGV[3]), ARGV[4], KEYS[5]
local maxlen, max_bytes, max_total = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local max_queues, ttl = tonumber(ARGV[8]), tonumber(ARGV[9])
purge(now)
local id = int(redis.call('INCR', KEYS[4]))
local bytes = #d + 64 + #id + #ARGV[10] + #ARGV[11]
if bytes > max_bytes then return {'!quota', 'maxQueuedBytes', bytes, 0} end
local held = tonumber(redis.call('GET', total) or '0')
if held + bytes > max_total then return {'!quota', 'maxTotalQueuedBytes', bytes, held} end
local refused = register(d, now, max_queues)
if refused then return refused end
local size, length, dropped = size_of(d), redis.call('XLEN', key), 0
while length > 0 and (length >= maxlen or size + bytes > max_bytes) do
  local oldest = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1]
  if not oldest then break end
  redis.call('XDEL', key, oldest[1])
  local weight = weigh(d, oldest[2])
  add_bytes(d, -weight)
  size, length, dropped = size - weight, length - 1, dropped + 1
end
redis.call('XADD', key, '*', 'i', id, 'h', ARGV[10], 'b', ARGV[11], 'n', 0)
add_bytes(d, bytes)
expire_at(d, math.max(expiry(d), idle_end(now, ttl)), now)
return {id, dropped}`;

/*
 * The checks run in the memory broker's order: the message's own size, the total, then the queue count, so a
 * refused publish creates no queue. The total is checked before this queue's oldest are trimmed for the new
 * message (as in the memory broker: a full broker refuses rather than make room by dropping). The trim replaces
 * XADD's MAXLEN, which would drop entries without saying how much they weighed; like MAXLEN it may drop an entry
 * that is out with a consumer (its ACK then finds nothing to delete, and a NACK nothing to return).
 */

/**
 * This node starts consuming queue d: registered (within maxQueues), its group created, and a lease for it.
 * KEYS: index, sizes, total, stream. ARGV: prefixes, now, destination, holder, lease ms, idle ttl ms, maxQueues,
 * group. Returns {'ok'} or {'!quota', 'maxQueues', 0, 0}.
 */
export const HOLD_QUEUE = `${FUNCTIONS}
local now, d, key = now_ms(ARGV[3]), ARGV[4], KEYS[4]
purge(now)
local refused = register(d, now, tonumber(ARGV[8]))
if refused then return refused end
local created = redis.pcall('XGROUP', 'CREATE', key, ARGV[9], '0', 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(created.err, 'BUSYGROUP', 1, true) then
  return redis.error_reply(created.err)
end
local lease = now + tonumber(ARGV[6])
redis.call('HSET', holders_prefix .. d, ARGV[5], int(lease))
expire_at(d, math.max(expiry(d), idle_end(lease, tonumber(ARGV[7]))), now)
return {'ok'}`;

/**
 * Renew this node's leases on the queues it consumes (the janitor, every third of `nodeTimeout`). A queue that
 * was dropped meanwhile (this node lost Redis for longer than its lease and the idle ttl) is not brought back
 * here: its reader finds the group gone and holds it again. KEYS: index, sizes, total. ARGV: prefixes, now,
 * lease ms, idle ttl ms, then destination and holder pairs. Returns how many were renewed.
 */
export const RENEW_QUEUES = `${FUNCTIONS}
local now = now_ms(ARGV[3])
local lease, ttl = now + tonumber(ARGV[4]), tonumber(ARGV[5])
purge(now)
local renewed = 0
for i = 6, #ARGV - 1, 2 do
  local d = ARGV[i]
  if redis.call('ZSCORE', index, d) then
    redis.call('HSET', holders_prefix .. d, ARGV[i + 1], int(lease))
    expire_at(d, math.max(expiry(d), idle_end(lease, ttl)), now)
    renewed = renewed + 1
  end
end
return renewed`;

/**
 * This node's last consumer of d left: its lease goes, and d expires the idle ttl from now, or from the end of
 * another lease. KEYS: index, sizes, total. ARGV: prefixes, now, destination, holder, idle ttl ms.
 */
export const UNHOLD_QUEUE = `${FUNCTIONS}
local now, d = now_ms(ARGV[3]), ARGV[4]
purge(now)
redis.call('HDEL', holders_prefix .. d, ARGV[5])
if not redis.call('ZSCORE', index, d) then return 0 end
expire_at(d, idle_end(math.max(now, live_lease(d, now)), tonumber(ARGV[6])), now)
return 1`;

/** KEYS: index, sizes, total. ARGV: prefixes, now, destination. Returns 1 when the queue exists now, else 0. */
export const QUEUE_EXISTS = `${FUNCTIONS}
local at = redis.call('ZSCORE', index, ARGV[4])
if at and tonumber(at) > now_ms(ARGV[3]) then return 1 end
return 0`;

/** KEYS: index, sizes, total. ARGV: prefixes, now. Returns {queues, bytes they hold}, in the whole Redis. */
export const QUEUE_STATS = `${FUNCTIONS}
purge(now_ms(ARGV[3]))
return {redis.call('ZCARD', index), tonumber(redis.call('GET', total) or '0')}`;

/**
 * Acknowledge entries and delete them: the stream holds only waiting and unacknowledged messages.
 * KEYS: index, sizes, total, stream. ARGV: prefixes, destination, group, stream ids... Returns the bytes freed.
 */
export const ACK_QUEUE = `${FUNCTIONS}
local key, d, group = KEYS[4], ARGV[3], ARGV[4]
local freed = 0
for i = 5, #ARGV do
  redis.call('XACK', key, group, ARGV[i])
  local found = redis.call('XRANGE', key, ARGV[i], ARGV[i])[1]
  if found then
    redis.call('XDEL', key, ARGV[i])
    freed = freed + weigh(d, found[2])
  end
end
add_bytes(d, -freed)
return freed`;

/**
 * Give entry `sid` of queue d back to the group, at the end of the stream, in one step and only if it was still
 * pending, so that two nodes releasing the same entry return it once. `bump` is 1 when the message was (or may
 * have been) delivered: it then counts as a redelivery, and past the limit it is dropped; 0 returns a message no
 * consumer saw. No MAXLEN: an entry goes for each one appended, so the stream does not grow.
 */
const RELEASE_FUNCTION = `
local function release(key, d, group, limit, sid, bump, counts)
  if redis.call('XACK', key, group, sid) == 0 then return end
  local found = redis.call('XRANGE', key, sid, sid)[1]
  if not found then return end
  redis.call('XDEL', key, sid)
  local fields = {}
  for j = 1, #found[2], 2 do fields[found[2][j]] = found[2][j + 1] end
  local n = tonumber(fields['n'] or '0')
  if bump == 1 and n >= limit then
    add_bytes(d, -weigh(d, found[2]))
    counts[2] = counts[2] + 1
  else
    redis.call('XADD', key, '*', 'i', fields['i'], 'h', fields['h'], 'b', fields['b'], 'n', n + bump)
    counts[1] = counts[1] + 1
  end
end
`;

/**
 * KEYS: index, sizes, total, stream. ARGV: prefixes, destination, group, redelivery limit, bump (0/1), stream
 * ids... Returns {returned, dropped}.
 */
export const RELEASE = `${FUNCTIONS}${RELEASE_FUNCTION}
local counts = {0, 0}
local limit, bump = tonumber(ARGV[5]), tonumber(ARGV[6])
for i = 7, #ARGV do release(KEYS[4], ARGV[3], ARGV[4], limit, ARGV[i], bump, counts) end
return counts`;

/**
 * KEYS: index, sizes, total, stream. ARGV: prefixes, destination, group, redelivery limit, alive-key prefix, own
 * consumer name, batch. Releases up to `batch` pending entries of every consumer whose node is no longer alive,
 * and deletes such a consumer once nothing of it is pending (deleting it earlier would orphan its entries in the
 * stream). Returns {returned, dropped, stream length, entries pending in the group}.
 */
export const SWEEP_DEAD = `${FUNCTIONS}${RELEASE_FUNCTION}
local key, d, group = KEYS[4], ARGV[3], ARGV[4]
local limit, batch = tonumber(ARGV[5]), tonumber(ARGV[8])
local counts = {0, 0}
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', key, group)) do
  local name, pending
  for j = 1, #consumer, 2 do
    if consumer[j] == 'name' then name = consumer[j + 1] elseif consumer[j] == 'pending' then pending = consumer[j + 1] end
  end
  if name ~= ARGV[7] and redis.call('EXISTS', ARGV[6] .. name) == 0 then
    if pending > 0 then
      for _, entry in ipairs(redis.call('XPENDING', key, group, '-', '+', batch, name)) do
        release(key, d, group, limit, entry[1], 1, counts)
      end
    end
    if pending <= batch then redis.call('XGROUP', 'DELCONSUMER', key, group, name) end
  end
end
local summary = redis.call('XPENDING', key, group)
return {counts[1], counts[2], redis.call('XLEN', key), summary[1]}`;
