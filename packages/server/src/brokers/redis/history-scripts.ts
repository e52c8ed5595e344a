/*
 * The Lua scripts of topic history (see README.md, "Stream positions"). Layout, per destination d:
 * - `history:<d>`: a stream of the retained messages, oldest first, each entry id `<ms>-<offset>` (the time it was
 *   appended and its offset) with fields `i` (message id), `h` (headers JSON), `b` (body);
 * - `history-meta:<d>`: a hash `epoch`, `next` (the offset the next message gets), `bytes` (retained, as
 *   weighed below), `last` (the newest entry's ms, so that ids keep increasing if the clock steps back).
 * Both keys are written by the same scripts and expire together; a history that has only one of them lost the
 * other (evicted, deleted) and is started again, under a new epoch, like one that is missing altogether.
 * Across destinations, for the broker-wide limits: `history-index` (sorted set: destination -> the ms at which its
 * newest message expires), `history-sizes` (hash: destination -> bytes) and `history-bytes` (the total).
 *
 * Offsets are consecutive because they are assigned here, atomically with the XADD and the PUBLISH: the order of
 * offsets is the order in which every node receives the live messages. Entries only ever leave from the oldest
 * end, so the retained offsets are a range [first, next) and "the n newest entries" are offsets next-n .. next-1.
 *
 * `now` is an argument: a number of ms from the broker's `now` option, or '' for Redis's own clock (TIME), which
 * every node then shares. Only commands of Redis 5.0 are used (no exclusive XRANGE bounds, no XTRIM MINID).
 */

/**
 * Helpers every history script starts with. Every script has the three shared keys first (KEYS[1..3]: index,
 * sizes, total) and the two key prefixes first (ARGV[1..2]: of `history:` and `history-meta:`), so that any of
 * them can drop a destination's history and its share of the budget.
 */
const FUNCTIONS = `
if redis.replicate_commands then redis.replicate_commands() end
local index, sizes, total = KEYS[1], KEYS[2], KEYS[3]
local stream_prefix, meta_prefix = ARGV[1], ARGV[2]
local function now_ms(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function id_parts(id)
  local ms, offset = string.match(id, '^(%d+)%-(%d+)$')
  return tonumber(ms), tonumber(offset)
end
local function weigh(fields, extra)
  local bytes = extra
  for j = 2, #fields, 2 do bytes = bytes + #fields[j] end
  return bytes
end
local function trim(s, extra, cutoff, limit, excess, floor)
  local dropped, length = 0, redis.call('XLEN', s)
  while length > floor do
    local oldest
    if length > limit or dropped < excess then
      oldest = redis.call('XRANGE', s, '-', '+', 'COUNT', 1)[1]
    elseif cutoff >= 0 then
      oldest = redis.call('XRANGE', s, '-', string.format('%d', cutoff), 'COUNT', 1)[1]
    end
    if not oldest then break end
    redis.call('XDEL', s, oldest[1])
    dropped = dropped + weigh(oldest[2], extra)
    length = length - 1
  end
  return dropped, length
end
local function set_bytes(d, bytes)
  local before = tonumber(redis.call('HGET', sizes, d) or '0')
  if bytes then redis.call('HSET', sizes, d, bytes) else redis.call('HDEL', sizes, d) end
  if (bytes or 0) ~= before then redis.call('INCRBY', total, (bytes or 0) - before) end
end
local function forget(d)
  redis.call('DEL', stream_prefix .. d, meta_prefix .. d)
  redis.call('ZREM', index, d)
  set_bytes(d, false)
end
local function load(stream, meta)
  local m = redis.call('HMGET', meta, 'epoch', 'next', 'bytes', 'last')
  local epoch, nxt, bytes, last = m[1], tonumber(m[2]), tonumber(m[3]), tonumber(m[4])
  if epoch and nxt and bytes and last and (nxt == 0 or redis.call('EXISTS', stream) == 1) then
    return epoch, nxt, bytes, last
  end
  return false
end
local function start(d, meta, epoch, ttl)
  forget(d)
  redis.call('HSET', meta, 'epoch', epoch, 'next', 0, 'bytes', 0, 'last', 0)
  redis.call('PEXPIRE', meta, ttl)
  return epoch, 0, 0, 0
end
`;

/*
 * `redis.replicate_commands()` lets a script write after TIME on Redis 5 and 6 (a no-op since 7).
 * `trim(s, extra, cutoff, limit, excess, floor)` drops the oldest entries of stream s while one is at or before
 * `cutoff` ms (expired; -1: none is), or more than `limit` are left, or fewer than `excess` bytes were dropped so
 * far; never below `floor` entries. Returns the bytes dropped and the entries left. It reads only the entries it
 * drops (the expiry check is a range by id, empty when nothing expired), so a publish that drops nothing costs an
 * XLEN and an empty XRANGE. A message weighs its id, headers and body plus `extra` (its destination's length and
 * 64), as the memory broker weighs it.
 * `load` returns a destination's epoch, next offset, bytes and newest ms, or false when it has no history or
 * only half of one (its meta without its stream after messages were added, or the other way round: a key lost on
 * its own, which is as much a loss as both). `start` begins a new numbering there: offset 0, a new epoch, nothing
 * retained (the stream is created by the first XADD).
 */

/**
 * Publish to a destination that keeps history: id, offset, append, PUBLISH, limits.
 * KEYS: index, sizes, total, ids counter, history stream, history meta.
 * ARGV: stream key prefix, meta key prefix, channel, headers JSON, body, destination, size, ttl ms, now ('' =
 * TIME), epoch to use if a new one is needed, max destinations, max bytes.
 * Returns {message id, offset, epoch}. The PUBLISHed payload is `id offset epoch \n headers \n body`.
 */
export const PUBLISH_KEPT = `${FUNCTIONS}
local ids, stream, meta = KEYS[4], KEYS[5], KEYS[6]
local headers, body, destination = ARGV[4], ARGV[5], ARGV[6]
local size, ttl, now = tonumber(ARGV[7]), tonumber(ARGV[8]), now_ms(ARGV[9])
local max_destinations, max_bytes = tonumber(ARGV[11]), tonumber(ARGV[12])
local extra = #destination + 64
local epoch, nxt, bytes, last = load(stream, meta)
if epoch then
  bytes = bytes - trim(stream, extra, now - ttl, math.huge, 0, 0)
else
  epoch, nxt, bytes, last = start(destination, meta, ARGV[10], ttl)
end
local id = string.format('%d', redis.call('INCR', ids))
local ms = math.max(now, last)
local offset = string.format('%d', nxt)
redis.call('XADD', stream, string.format('%d-%d', ms, nxt), 'i', id, 'h', headers, 'b', body)
redis.call('PUBLISH', ARGV[3], id .. ' ' .. offset .. ' ' .. epoch .. '\\n' .. headers .. '\\n' .. body)
bytes = bytes + #id + #headers + #body + extra
bytes = bytes - trim(stream, extra, -1, size, 0, 0)
redis.call('HSET', meta, 'epoch', epoch, 'next', string.format('%d', nxt + 1), 'bytes', bytes, 'last', string.format('%d', ms))
redis.call('PEXPIRE', stream, ttl)
redis.call('PEXPIRE', meta, ttl)
redis.call('ZADD', index, string.format('%d', ms + ttl), destination)
set_bytes(destination, bytes)
for _, d in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', string.format('%d', now), 'LIMIT', 0, 16)) do
  if d ~= destination then forget(d) end
end
while redis.call('ZCARD', index) > max_destinations do
  local firsts = redis.call('ZRANGE', index, 0, 1)
  if firsts[1] == destination and firsts[2] then forget(firsts[2]) else forget(firsts[1]) end
end
local rank = 0
while tonumber(redis.call('GET', total) or '0') > max_bytes do
  local d = redis.call('ZRANGE', index, rank, rank)[1]
  if not d then break end
  local s, had = stream_prefix .. d, tonumber(redis.call('HGET', meta_prefix .. d, 'bytes'))
  local left = 0
  if had and redis.call('EXISTS', s) == 1 then
    local over = tonumber(redis.call('GET', total)) - max_bytes
    local dropped
    dropped, left = trim(s, #d + 64, -1, math.huge, over, d == destination and 1 or 0)
    had = had - dropped
  end
  if left == 0 then
    forget(d)
  else
    redis.call('HSET', meta_prefix .. d, 'bytes', had)
    set_bytes(d, had)
    rank = rank + 1
  end
end
for _, key in ipairs({index, sizes, total}) do
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, 2 * ttl) end
end
return {id, offset, epoch}`;

/*
 * After the append, in that order: the size limit; the expiry of both keys (an idle history vanishes with its
 * newest message, and the next message starts a new epoch); the index; then the broker-wide limits, which the
 * memory broker enforces on each append too:
 * - destinations whose every message expired leave the index (16 per publish at most, so a publish never does
 *   unbounded work for others; their keys have expired by then with Redis's clock);
 * - past `max destinations`, the one whose messages expire first goes (the least recently published to, when
 *   ttls are equal), never the one just published to unless it is the only one;
 * - past `max bytes`, the oldest messages go, from the destination that expires first on, keeping the message
 *   just published.
 * The three shared keys outlive every history (extended to twice the ttl whenever less than one ttl is left,
 * which spares a PEXPIRE on most publishes), so an idle broker leaves nothing in Redis after twice the longest ttl.
 * While a history's keys exist its numbering goes on, even once all its messages are past the time limit (with
 * an injected clock, or in the instant before Redis expires the keys): as in the memory broker, a client that
 * missed them is then told `truncated`.
 */

/**
 * What a subscription starts from, atomically: the epoch (created here if the destination has none, so that
 * every subscriber learns one), the retained range, and the entries it replays.
 * KEYS: index, sizes, total, history stream, history meta.
 * ARGV: stream key prefix, meta key prefix, now ('' = TIME), ttl ms, the client's epoch ('' = none), the start
 * (`first`, `last`, `offset`, `next`), the offset (for `offset`), epoch to use if a new one is needed,
 * destination. Returns {epoch, first, next, entries newest first}.
 */
export const READ_HISTORY = `${FUNCTIONS}
local stream, meta = KEYS[4], KEYS[5]
local ttl = tonumber(ARGV[4])
local epoch, nxt = load(stream, meta)
if not epoch then epoch, nxt = start(ARGV[9], meta, ARGV[8], ttl) end
local alive = string.format('%d', math.max(0, now_ms(ARGV[3]) - ttl + 1))
local oldest = nxt > 0 and redis.call('XRANGE', stream, alive, '+', 'COUNT', 1)[1]
local first = nxt
if oldest then
  local _, offset = id_parts(oldest[1])
  first = offset
end
local mode, wanted, from = ARGV[6], tonumber(ARGV[7]), first
if mode == 'next' then
  from = nxt
elseif mode == 'last' then
  from = math.max(first, nxt - 1)
elseif mode == 'offset' and (ARGV[5] == '' or ARGV[5] == epoch) and wanted <= nxt then
  from = math.max(wanted, first)
end
local entries = {}
if from < nxt then entries = redis.call('XREVRANGE', stream, '+', alive, 'COUNT', nxt - from) end
return {epoch, first, nxt, entries}`;

/*
 * The choice of `from` is planResume's (history.ts), repeated here only to read no more than is replayed; the
 * broker runs planResume on the reply for the gap and checks that the entries start at its `from`, so the two
 * cannot silently disagree. Entries older than the time limit are skipped by id (`alive`), not deleted.
 */

/**
 * KEYS: index, sizes, total. ARGV: stream key prefix, meta key prefix, now ('' = TIME).
 * Returns {destinations with unexpired history, bytes retained}.
 */
export const HISTORY_STATS = `${FUNCTIONS}
local live = redis.call('ZCOUNT', index, '(' .. string.format('%d', now_ms(ARGV[3])), '+inf')
return {live, tonumber(redis.call('GET', total) or '0')}`;
