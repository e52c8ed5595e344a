import { Redis } from 'ioredis';
import { type ChatMessage, LIMITS, type Presence, type RoomList } from '../shared/protocol.js';
import type { ChatStore } from './chat-store.js';

export interface RedisChatStoreOptions {
  /** `redis://host:port[/db]` */
  readonly url: string;
  /** This node's id: it owns the presence entries and sessions its clients create. */
  readonly nodeId: string;
  /** Default `sockwire-demo:`. */
  readonly keyPrefix?: string;
  /** Ms a node counts as alive after its last heartbeat (sent every third of it). Default 3000. */
  readonly livenessTtl?: number;
  readonly initialRooms?: readonly string[];
  readonly log?: (message: string) => void;
}

/*
 * Keys (under the prefix):
 *   rooms, room-set              the room names in creation order, and as a set
 *   list-version                 grows with every change of the room list
 *   history:<room>               the last LIMITS.history messages (JSON), oldest first
 *   seen:<room>:<from>\n<cid>    a recent clientId, so a re-sent message is not posted twice (expires)
 *   members:<room>               hash `<node>|<session>/<subscription>` -> user: presence, owned per node
 *   pv:<room>                    the room's presence version
 *   nick:<name>                  the key holding a nickname (lower case)
 *   sessions:<name>              hash `<node>|<session>` -> 1: the user's open sessions on every node
 *   node-users:<node>            the users with a session on that node (where to sweep)
 *   nodes, alive:<node>          known nodes; present while the node heartbeats (PX livenessTtl)
 * A node whose alive key expired is swept by any survivor: its members and sessions entries are removed.
 */

const DISTINCT = `
local function distinct(values)
  local seen, n = {}, 0
  for _, v in ipairs(values) do if not seen[v] then seen[v] = true; n = n + 1 end end
  return n
end
`;

/** KEYS room-set rooms list-version; ARGV room limit */
const CREATE = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[3])
return 1`;

/** KEYS rooms list-version; ARGV prefix -> version, room, users, room, users... */
const LIST = `${DISTINCT}
local out = { tonumber(redis.call('GET', KEYS[2]) or '0') }
for _, room in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  table.insert(out, room)
  table.insert(out, distinct(redis.call('HVALS', ARGV[1] .. 'members:' .. room)))
end
return out`;

/** KEYS room-set seen history; ARGV room message limit ttl */
const POST = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[4]) then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
return 1`;

/** KEYS room-set members pv list-version; ARGV room field user (user '' = leave) */
const MEMBERSHIP = `${DISTINCT}
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[3] == '' and redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return 0 end
local before = distinct(redis.call('HVALS', KEYS[2]))
if ARGV[3] == '' then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
if distinct(redis.call('HVALS', KEYS[2])) == before then return 0 end
redis.call('INCR', KEYS[3])
redis.call('INCR', KEYS[4])
return 1`;

/** KEYS nick sessions; ARGV key */
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] and redis.call('HLEN', KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

/** KEYS nick sessions; ARGV field */
const CLOSE_SESSION = `
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) end
return 1`;

/** ARGV prefix -> the rooms whose user list changed */
const SWEEP = `${DISTINCT}
local p = ARGV[1]
local changed = {}
for _, node in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do
  if redis.call('EXISTS', p .. 'alive:' .. node) == 0 then
    local tag = node .. '|'
    for _, room in ipairs(redis.call('LRANGE', p .. 'rooms', 0, -1)) do
      local key = p .. 'members:' .. room
      local flat = redis.call('HGETALL', key)
      local values, removed = {}, false
      for i = 1, #flat, 2 do
        table.insert(values, flat[i + 1])
        if string.sub(flat[i], 1, #tag) == tag then redis.call('HDEL', key, flat[i]); removed = true end
      end
      if removed and distinct(redis.call('HVALS', key)) ~= distinct(values) then
        redis.call('INCR', p .. 'pv:' .. room)
        redis.call('INCR', p .. 'list-version')
        table.insert(changed, room)
      end
    end
    for _, user in ipairs(redis.call('SMEMBERS', p .. 'node-users:' .. node)) do
      local key = p .. 'sessions:' .. user
      for _, field in ipairs(redis.call('HKEYS', key)) do
        if string.sub(field, 1, #tag) == tag then redis.call('HDEL', key, field) end
      end
      if redis.call('HLEN', key) == 0 then redis.call('DEL', p .. 'nick:' .. user) end
    end
    redis.call('DEL', p .. 'node-users:' .. node)
    redis.call('SREM', p .. 'nodes', node)
  end
end
return changed`;

/** Remembered clientIds expire after this long (the memory store keeps those of the last LIMITS.history). */
const SEEN_TTL_MS = 3_600_000;

/** The chat's state in Redis, shared by every node of a cluster; see the key list above. */
export class RedisChatStore implements ChatStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly nodeId: string;
  private readonly ttl: number;
  private readonly log: (message: string) => void;
  private readonly listeners: ((rooms: readonly string[]) => void)[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(redis: Redis, options: RedisChatStoreOptions) {
    this.redis = redis;
    this.prefix = options.keyPrefix ?? 'sockwire-demo:';
    this.nodeId = options.nodeId;
    this.ttl = options.livenessTtl ?? 3000;
    this.log = options.log ?? (() => {});
  }

  /** Connects, announces this node and creates the initial rooms (if no node has yet). */
  static async connect(options: RedisChatStoreOptions): Promise<RedisChatStore> {
    if (options.nodeId.includes('|')) throw new TypeError('A node id may not contain "|"');
    const redis = new Redis(options.url, { maxRetriesPerRequest: 3, lazyConnect: true });
    await redis.connect();
    const store = new RedisChatStore(redis, options);
    await store.heartbeat();
    await redis.sadd(store.key('nodes'), store.nodeId);
    for (const room of options.initialRooms ?? []) await store.createRoom(room);
    store.timer = setInterval(() => void store.tick(), Math.max(100, Math.floor(store.ttl / 3)));
    store.timer.unref();
    return store;
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private heartbeat(): Promise<unknown> {
    return this.redis.set(this.key(`alive:${this.nodeId}`), '1', 'PX', this.ttl);
  }

  /** Heartbeat, then remove the entries of nodes found dead and tell the listeners. */
  private async tick(): Promise<void> {
    try {
      await this.heartbeat();
      await this.sweep();
    } catch (error) {
      this.log(`chat store: ${String(error)}`);
    }
  }

  /** Removes the entries of every node whose liveness expired; exposed for tests. */
  async sweep(): Promise<readonly string[]> {
    const changed = [...new Set((await this.redis.eval(SWEEP, 0, this.prefix)) as string[])];
    if (changed.length > 0) for (const listener of this.listeners) listener(changed);
    return changed;
  }

  async hasRoom(room: string): Promise<boolean> {
    return (await this.redis.sismember(this.key('room-set'), room)) === 1;
  }

  async createRoom(room: string): Promise<boolean> {
    const keys = [this.key('room-set'), this.key('rooms'), this.key('list-version')];
    return (await this.redis.eval(CREATE, keys.length, ...keys, room, LIMITS.rooms)) === 1;
  }

  async listRooms(): Promise<RoomList> {
    const keys = [this.key('rooms'), this.key('list-version')];
    const [version, ...flat] = (await this.redis.eval(LIST, keys.length, ...keys, this.prefix)) as [
      number,
      ...(string | number)[],
    ];
    const rooms: { name: string; members: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      rooms.push({ name: String(flat[i]), members: Number(flat[i + 1]) });
    return { version, rooms };
  }

  async history(room: string): Promise<readonly ChatMessage[]> {
    const items = await this.redis.lrange(this.key(`history:${room}`), 0, -1);
    return items.map((item) => JSON.parse(item) as ChatMessage);
  }

  async post(message: ChatMessage): Promise<boolean> {
    const keys = [
      this.key('room-set'),
      this.key(`seen:${message.room}:${message.from}\n${message.clientId}`),
      this.key(`history:${message.room}`),
    ];
    const args = [message.room, JSON.stringify(message), LIMITS.history, SEEN_TTL_MS];
    return (await this.redis.eval(POST, keys.length, ...keys, ...args)) === 1;
  }

  join(room: string, member: string, user: string): Promise<boolean> {
    return this.membership(room, member, user);
  }

  leave(room: string, member: string): Promise<boolean> {
    return this.membership(room, member, '');
  }

  private async membership(room: string, member: string, user: string): Promise<boolean> {
    const keys = [
      this.key('room-set'),
      this.key(`members:${room}`),
      this.key(`pv:${room}`),
      this.key('list-version'),
    ];
    const field = `${this.nodeId}|${member}`;
    return (await this.redis.eval(MEMBERSHIP, keys.length, ...keys, room, field, user)) === 1;
  }

  async isMember(room: string, user: string): Promise<boolean> {
    return (await this.redis.hvals(this.key(`members:${room}`))).includes(user);
  }

  async presence(room: string): Promise<Presence> {
    const [members, version] = await Promise.all([
      this.redis.hvals(this.key(`members:${room}`)),
      this.redis.get(this.key(`pv:${room}`)),
    ]);
    const users = [...new Set(members)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return { room, version: Number(version ?? 0), users };
  }

  async claimNickname(name: string, key: string): Promise<boolean> {
    const id = name.toLowerCase();
    const keys = [this.key(`nick:${id}`), this.key(`sessions:${id}`)];
    return (await this.redis.eval(CLAIM, keys.length, ...keys, key)) === 1;
  }

  async sessionOpened(user: string, sessionId: string): Promise<void> {
    const id = user.toLowerCase();
    await this.redis
      .multi()
      .hset(this.key(`sessions:${id}`), `${this.nodeId}|${sessionId}`, '1')
      .sadd(this.key(`node-users:${this.nodeId}`), id)
      .exec();
  }

  async sessionClosed(user: string, sessionId: string): Promise<void> {
    const id = user.toLowerCase();
    const keys = [this.key(`nick:${id}`), this.key(`sessions:${id}`)];
    await this.redis.eval(CLOSE_SESSION, keys.length, ...keys, `${this.nodeId}|${sessionId}`);
  }

  async isOnline(user: string): Promise<boolean> {
    return (await this.redis.hlen(this.key(`sessions:${user.toLowerCase()}`))) > 0;
  }

  onEntriesSwept(listener: (rooms: readonly string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Drops the connection and stops heartbeating, leaving every entry behind, as a killed node does (tests). */
  abandon(): void {
    clearInterval(this.timer);
    this.redis.disconnect();
  }

  /** Leaves the cluster: this node's entries are removed now rather than when its liveness expires. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.redis.del(this.key(`alive:${this.nodeId}`));
      await this.redis.eval(SWEEP, 0, this.prefix);
    } finally {
      this.redis.disconnect();
    }
  }
}
