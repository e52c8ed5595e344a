import type { ChatMessage, Presence, RoomList } from '../shared/protocol.js';

/** A value now (the memory store) or later (the Redis store). */
export type MaybePromise<T> = T | Promise<T>;

/** Runs `next` on `value` at once when it is not a promise, so the in-memory chat stays synchronous. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * The chat's shared state: rooms, their recent history, who is in each (presence) and which nicknames are held.
 * One node keeps it in memory (memory-store.ts); a cluster keeps it in Redis (redis-store.ts), where every entry
 * a session creates is owned by its node, so that the survivors remove a dead node's entries.
 *
 * `member` identifies one subscription to a room's message topic (`${sessionId}/${subscriptionId}`).
 */
export interface ChatStore {
  hasRoom(room: string): MaybePromise<boolean>;
  /** Adds a room; false if it exists already or the room limit is reached. */
  createRoom(room: string): MaybePromise<boolean>;
  listRooms(): MaybePromise<RoomList>;
  history(room: string): MaybePromise<readonly ChatMessage[]>;
  /** Records a message; false for a duplicate (same sender and `clientId` as a recent one) or an unknown room. */
  post(message: ChatMessage): MaybePromise<boolean>;
  /** A subscription joined; true when the room's user list changed. */
  join(room: string, member: string, user: string): MaybePromise<boolean>;
  /** A subscription left; true when the room's user list changed. */
  leave(room: string, member: string): MaybePromise<boolean>;
  isMember(room: string, user: string): MaybePromise<boolean>;
  presence(room: string): MaybePromise<Presence>;
  /** Takes nickname `name` for `key` (see nicknames.ts); false when someone else holds it now. */
  claimNickname(name: string, key: string): MaybePromise<boolean>;
  /** A session of `user` is open (CONNECTED). */
  sessionOpened(user: string, sessionId: string): MaybePromise<void>;
  /** A session of `user` ended; the nickname is free once the user has none left. */
  sessionClosed(user: string, sessionId: string): MaybePromise<void>;
  /** Whether `user` has an open session on any node. */
  isOnline(user: string): MaybePromise<boolean>;
  /**
   * Called with the rooms whose presence changed because another node died and its entries were removed, so
   * that their presence and the room list are published again. Never called by the memory store.
   */
  onEntriesSwept(listener: (rooms: readonly string[]) => void): void;
  close(): Promise<void>;
}
