import type { Redis } from 'ioredis';
import { BrokerFailure } from '../broker.js';
import { type ClaimResult, DEDUPE_DEFAULTS, type DedupeStore } from '../dedupe.js';

/**
 * Idempotency keys in Redis, shared by every node: a send re-sent to another node after a cut finds the key its
 * first attempt left. A claim is a `SET NX` of a short-lived `pending` value (so a node that dies mid-publish
 * blocks retries for 10 s at most), replaced by `done` for the whole window once the publish succeeded. Release
 * deletes the key only while it is still pending (a script, so that a late failure report cannot undo a success).
 */
const RELEASE_PENDING = `if redis.call('GET', KEYS[1]) == 'p' then return redis.call('DEL', KEYS[1]) end return 0`;

export class RedisDedupeStore implements DedupeStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly windowMs: number;

  constructor(redis: Redis, options: { prefix: string; window?: number }) {
    this.redis = redis;
    this.prefix = options.prefix;
    this.windowMs = (options.window ?? DEDUPE_DEFAULTS.window) * 1000;
  }

  claim(key: string): Promise<ClaimResult> {
    const name = this.prefix + key;
    return failing(async () => {
      for (;;) {
        const set = await this.redis.set(name, 'p', 'PX', DEDUPE_DEFAULTS.pendingMs, 'NX');
        if (set === 'OK') return 'first';
        const value = await this.redis.get(name);
        // Gone between the two commands (expired or released): ask again rather than guess.
        if (value !== null) return value === 'd' ? 'duplicate' : 'pending';
      }
    });
  }

  complete(key: string): Promise<void> {
    return failing(async () => {
      await this.redis.set(this.prefix + key, 'd', 'PX', this.windowMs);
    });
  }

  release(key: string): Promise<void> {
    return failing(async () => {
      await this.redis.eval(RELEASE_PENDING, 1, this.prefix + key);
    });
  }
}

/** Redis unreachable: a broker failure, so the session ends with a retryable close and the client re-sends. */
async function failing<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new BrokerFailure(`Redis: idempotency keys unavailable (${(error as Error).message})`, {
      cause: error,
    });
  }
}
