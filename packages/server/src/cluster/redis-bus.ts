import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BusCodec } from './bus-codec.js';
import type { DropStats } from './drop-log.js';
import { isNodeId } from './message-shape.js';
import type { NodeMessage, SessionBus, SessionLocation } from './session-bus.js';

export interface RedisSessionBusOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. Ignored when `client` is given. */
  readonly url?: string;
  /** An ioredis client to duplicate (the bus opens a second connection for its subscription). */
  readonly client?: Redis;
  /** Prefix of every key and channel. Default `sockwire:`. */
  readonly keyPrefix?: string;
  /** This node's id, unique in the cluster. Default: a random UUID. */
  readonly nodeId?: string;
  /** Ms a node counts as alive after its last announcement (it announces every third of this). Default 6000. */
  readonly livenessTtl?: number;
  /** Operational events. Default: nothing is logged. */
  readonly log?: (severity: 'debug' | 'info' | 'error', message: string) => void;
  /**
   * A secret shared by every node of the cluster (say 32 random bytes). When set, every message is signed
   * with it and unsigned or badly signed ones are dropped: publishing on the Redis server is then no longer
   * enough to act as a node. Every node needs the same one. Default: none, and anyone who can PUBLISH on the
   * Redis server is trusted as a node (see the README's "Scale out").
   */
  readonly secret?: string | Buffer;
}

/** What the bus refused to act on, as counted since it started. */
export type SessionBusStats = DropStats;

/*
 * Keys (with the prefix):
 *   session:<sid>          owner node of an HTTP session (`!node` for a while after that node died)
 *   node-sessions:<node>   the sessions a node owns (to clean up after it)
 *   alive:<node>           present while the node announces itself (expires PX livenessTtl)
 *   nodes                  every node that joined (to find dead ones)
 * Channels: node:<node>    that node's inbox
 *           lost           ids of nodes found dead (by whichever node's sweep noticed)
 * Messages on them are a NodeMessage's JSON and a bare node id, or both sealed with the cluster secret
 * (message-seal.ts); what arrives is checked by BusCodec before anything acts on it.
 */

/** Returns the owner: this node when it took the id, the existing live owner otherwise. */
const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner and redis.call('EXISTS', ARGV[2] .. owner) == 1 then return owner end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], KEYS[1])
return ARGV[1]`;

/** Returns {} (unknown), {owner, 1} (alive) or {owner, 0} (its node is gone; `!node` marks a swept one). */
const LOCATE = `
local owner = redis.call('GET', KEYS[1])
if not owner then return {} end
if string.sub(owner, 1, 1) == '!' then return {string.sub(owner, 2), 0} end
return {owner, redis.call('EXISTS', ARGV[1] .. owner)}`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('SREM', KEYS[2], KEYS[1])
return 1`;

/** How long requests for a dead node's sessions keep hearing that they are lost. */
const LOST_TTL_MS = 60_000;

/** Forget one node: its sessions (those it still owns), its set, its liveness and its membership. */
const FORGET = `
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1`;

/** Forget the sessions of every node whose liveness expired; returns the nodes found dead. */
const SWEEP = `
local dead = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'alive:' .. node) == 0 then
    local set = ARGV[1] .. 'node-sessions:' .. node
    for _, key in ipairs(redis.call('SMEMBERS', set)) do
      -- A tombstone, not a deletion: requests for these sessions learn they are lost (and open new ones)
      -- instead of silently starting a fresh session under the old id.
      if redis.call('GET', key) == node then redis.call('SET', key, '!' .. node, 'PX', ARGV[2]) end
    end
    redis.call('DEL', set)
    redis.call('SREM', KEYS[1], node)
    table.insert(dead, node)
  end
end
return dead`;

/**
 * The session bus over Redis: a registry of session owners with per-node liveness, and one pub/sub channel
 * per node as its inbox. Redis delivers one connection's messages to a channel in order, which is the
 * ordering the forwarder needs. Dead nodes are noticed when their liveness key expires; any survivor then
 * removes their registry entries (so nothing refers to them), and their clients learn their sessions are lost.
 */
export async function createRedisSessionBus(options: RedisSessionBusOptions = {}): Promise<RedisSessionBus> {
  // Before connecting, so that a bad option leaves no connection behind.
  checkOptions(options);
  // Loaded on demand: single-node servers never touch Redis.
  const { Redis: RedisClient } = await import('ioredis');
  const commands: Redis = options.client
    ? options.client.duplicate()
    : new RedisClient(options.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  const subscriber = commands.duplicate();
  return new RedisSessionBus(commands, subscriber, options);
}

function checkOptions(options: RedisSessionBusOptions): void {
  // Other nodes check ids in messages against the same rule, and would drop every message from this one.
  if (options.nodeId !== undefined && !isNodeId(options.nodeId)) {
    throw new TypeError('Sockwire: a node id is 1 to 256 characters, with no control characters');
  }
  if (options.secret !== undefined && options.secret.length === 0) {
    throw new TypeError('Sockwire: the cluster secret must not be empty');
  }
}

export class RedisSessionBus implements SessionBus {
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly ttl: number;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly log: (severity: 'debug' | 'info' | 'error', message: string) => void;
  private readonly codec: BusCodec;
  private announcer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(commands: Redis, subscriber: Redis, options: RedisSessionBusOptions) {
    this.commands = commands;
    this.subscriber = subscriber;
    checkOptions(options);
    this.nodeId = options.nodeId ?? randomUUID();
    this.prefix = options.keyPrefix ?? 'sockwire:';
    this.ttl = options.livenessTtl ?? 6000;
    this.log = options.log ?? (() => {});
    this.codec = new BusCodec(this.nodeId, options.secret, (message) =>
      this.log('error', `redis session bus: ${message}`),
    );
    for (const client of [commands, subscriber]) {
      // ioredis reconnects by itself; an 'error' listener keeps a lost connection from crashing the process.
      client.on('error', (error: Error) => this.log('error', `redis session bus: ${error.message}`));
    }
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private onNodeLost: (node: string) => void = () => {};

  async start(onMessage: (message: NodeMessage) => void, onNodeLost?: (node: string) => void): Promise<void> {
    if (onNodeLost) this.onNodeLost = onNodeLost;
    const inbox = this.key(`node:${this.nodeId}`);
    const lost = this.key('lost');
    this.subscriber.on('message', (channel: string, text: string) => {
      // Anything may arrive here: the codec drops what is not a valid (and, with a secret, signed) message.
      // A throw would escape into ioredis's socket callback and end the process, so none is let through.
      try {
        if (channel === lost) {
          const node = this.codec.decodeLost(channel, text);
          if (node !== null && node !== this.nodeId) this.onNodeLost(node);
          return;
        }
        if (channel !== inbox) return;
        const message = this.codec.decodeMessage(channel, text);
        if (message !== null) onMessage(message);
      } catch (error) {
        this.codec.failed(channel);
        this.log('error', `redis session bus: handling a message failed: ${(error as Error).message}`);
      }
    });
    await this.subscriber.subscribe(inbox, lost);
    await this.announce();
    await this.commands.sadd(this.key('nodes'), this.nodeId);
    this.announcer = setInterval(
      () => {
        this.announce().catch((error: Error) => this.log('error', `redis session bus: ${error.message}`));
      },
      Math.max(100, Math.floor(this.ttl / 3)),
    );
    this.announcer.unref();
  }

  /** Renew this node's liveness and clear what dead nodes left behind. */
  private async announce(): Promise<void> {
    if (this.closed) return;
    await this.commands.set(this.key(`alive:${this.nodeId}`), '1', 'PX', this.ttl);
    const dead = (await this.commands.eval(
      SWEEP,
      1,
      this.key('nodes'),
      this.prefix,
      LOST_TTL_MS,
    )) as string[];
    for (const node of dead) {
      this.log('info', `redis session bus: node ${node} stopped announcing; its sessions are lost`);
      // Every node may be forwarding requests to it, not just the one whose sweep noticed: tell them all.
      const channel = this.key('lost');
      await this.commands.publish(channel, this.codec.encodeLost(channel, node));
    }
  }

  send(node: string, message: NodeMessage): void {
    const channel = this.key(`node:${node}`);
    this.commands.publish(channel, this.codec.encodeMessage(channel, message)).catch((error: Error) => {
      this.log('error', `redis session bus: publish to ${node} failed: ${error.message}`);
    });
  }

  /** Messages refused on this node's channels (malformed, unsigned, replayed...), by reason. */
  stats(): SessionBusStats {
    return this.codec.stats();
  }

  async claim(sessionId: string): Promise<string> {
    return (await this.commands.eval(
      CLAIM,
      2,
      this.key(`session:${sessionId}`),
      this.key(`node-sessions:${this.nodeId}`),
      this.nodeId,
      this.key('alive:'),
    )) as string;
  }

  async locate(sessionId: string): Promise<SessionLocation> {
    const found = (await this.commands.eval(
      LOCATE,
      1,
      this.key(`session:${sessionId}`),
      this.key('alive:'),
    )) as [] | [string, number];
    if (found.length === 0) return { kind: 'unknown' };
    const [node, alive] = found;
    return alive === 1 ? { kind: 'node', node } : { kind: 'lost', node };
  }

  release(sessionId: string): void {
    this.commands
      .eval(
        RELEASE,
        2,
        this.key(`session:${sessionId}`),
        this.key(`node-sessions:${this.nodeId}`),
        this.nodeId,
      )
      .catch((error: Error) => this.log('error', `redis session bus: release failed: ${error.message}`));
  }

  /** Stop at once, as a crashed node would: no goodbye, so its liveness lapses and survivors clean up. */
  crash(): void {
    this.closed = true;
    if (this.announcer) clearInterval(this.announcer);
    this.subscriber.disconnect();
    this.commands.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.announcer) clearInterval(this.announcer);
    try {
      await this.commands.eval(
        FORGET,
        3,
        this.key(`node-sessions:${this.nodeId}`),
        this.key(`alive:${this.nodeId}`),
        this.key('nodes'),
        this.nodeId,
      );
    } finally {
      this.subscriber.disconnect();
      await this.commands.quit().catch(() => this.commands.disconnect());
    }
  }
}
