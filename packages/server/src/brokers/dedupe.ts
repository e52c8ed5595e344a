import type { MaybePromise } from './broker.js';

/**
 * Idempotent sends: a client that did not get the RECEIPT of a SEND (its connection dropped) sends it again with
 * the same `x-idempotency-key`, possibly to another node. The store remembers keys for a window, so the message
 * is published (or the `/app` handler run) once. A claim is `pending` while the first attempt is in flight and
 * `done` once it succeeded; a failed attempt releases its claim so that a retry goes through.
 */
export type ClaimResult =
  /** First time seen: go ahead, then `complete` or `release`. */
  | 'first'
  /** Already done within the window: do not publish again (still confirm the send). */
  | 'duplicate'
  /** Another attempt is in flight: wait and ask again. */
  | 'pending';

export interface DedupeStore {
  claim(key: string): MaybePromise<ClaimResult>;
  /** The attempt succeeded: remember the key as done for the window. */
  complete(key: string): MaybePromise<void>;
  /** The attempt failed: forget the key, so that a retry is not taken for a duplicate. */
  release(key: string): MaybePromise<void>;
}

export interface DedupeOptions {
  /** Seconds a done key is remembered. Default 300 (the history's default time limit). */
  readonly window?: number;
  /** Keys remembered at once by the in-memory store; the oldest go first past it. Default 100 000. */
  readonly maxKeys?: number;
  /**
   * Where keys live. Default: the broker's own store when it has one (Redis: shared by every node), else this
   * process's memory.
   */
  readonly store?: DedupeStore;
}

export const DEDUPE_DEFAULTS = {
  window: 300,
  maxKeys: 100_000,
  /** Ms a pending claim lives without being completed (its node may have died mid-publish). */
  pendingMs: 10_000,
  /** Longest key accepted, in characters. */
  maxKeyLength: 200,
} as const;

interface Entry {
  done: boolean;
  expires: number;
}

/**
 * This process's keys: enough for one node, or for a cluster whose nodes share nothing but a relay (then a retry
 * that lands on another node is published again). Insertion order is expiry order, so expired keys are dropped
 * from the front.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: { window?: number; maxKeys?: number; now?: () => number } = {}) {
    this.windowMs = (options.window ?? DEDUPE_DEFAULTS.window) * 1000;
    this.maxKeys = options.maxKeys ?? DEDUPE_DEFAULTS.maxKeys;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  claim(key: string): ClaimResult {
    const now = this.now();
    this.sweep(now);
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expires > now) return entry.done ? 'duplicate' : 'pending';
    this.remember(key, { done: false, expires: now + DEDUPE_DEFAULTS.pendingMs });
    return 'first';
  }

  complete(key: string): void {
    this.remember(key, { done: true, expires: this.now() + this.windowMs });
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined && !entry.done) this.entries.delete(key);
  }

  private remember(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxKeys) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drops expired keys from the front; stops at the first live one (later ones expire later, mostly). */
  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) break;
      this.entries.delete(key);
    }
  }
}
