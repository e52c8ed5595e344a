import { type ChatMessage, LIMITS, type RoomList } from '../shared/protocol.js';

/** One room: its recent messages and who is in it. */
interface Room {
  readonly name: string;
  /** The last `LIMITS.history` messages, oldest first. */
  readonly history: ChatMessage[];
  /** Subscriptions to the room's message topic, `${sessionId}/${subscriptionId}` → user name. */
  readonly members: Map<string, string>;
  /** Recent `clientId`s, so a message re-sent after a lost receipt is not posted twice. */
  readonly recentClientIds: Set<string>;
  presenceVersion: number;
}

/**
 * The chat's state, with no STOMP in it: rooms, their history and their members. The broker wiring
 * (chat-broker.ts) feeds it from handlers and lifecycle events and publishes what it returns.
 */
export class Rooms {
  private readonly rooms = new Map<string, Room>();
  private listVersion = 0;

  constructor(initial: readonly string[]) {
    for (const name of initial) this.create(name);
  }

  has(name: string): boolean {
    return this.rooms.has(name);
  }

  /** Adds a room; false if it exists already or the room limit is reached. */
  create(name: string): boolean {
    if (this.rooms.has(name) || this.rooms.size >= LIMITS.rooms) return false;
    this.rooms.set(name, {
      name,
      history: [],
      members: new Map(),
      recentClientIds: new Set(),
      presenceVersion: 0,
    });
    this.listVersion++;
    return true;
  }

  get full(): boolean {
    return this.rooms.size >= LIMITS.rooms;
  }

  list(): RoomList {
    const rooms = [...this.rooms.values()].map((room) => ({ name: room.name, members: users(room).length }));
    return { version: this.listVersion, rooms };
  }

  history(name: string): readonly ChatMessage[] {
    return this.rooms.get(name)?.history ?? [];
  }

  /**
   * Records a message; returns false for a duplicate (same sender and `clientId` as a recent one: the page
   * re-sends a message whose receipt it never saw).
   */
  post(message: ChatMessage): boolean {
    const room = this.rooms.get(message.room);
    if (room === undefined) return false;
    const key = `${message.from}\n${message.clientId}`;
    if (room.recentClientIds.has(key)) return false;
    room.recentClientIds.add(key);
    room.history.push(message);
    if (room.history.length > LIMITS.history) {
      const dropped = room.history.shift();
      if (dropped !== undefined) room.recentClientIds.delete(`${dropped.from}\n${dropped.clientId}`);
    }
    return true;
  }

  /** A subscription joined; returns true when the room's user list changed. */
  join(name: string, key: string, user: string): boolean {
    const room = this.rooms.get(name);
    if (room === undefined) return false;
    const before = users(room).length;
    room.members.set(key, user);
    return this.changed(room, before);
  }

  /** A subscription left; returns true when the room's user list changed. */
  leave(name: string, key: string): boolean {
    const room = this.rooms.get(name);
    if (room === undefined || !room.members.has(key)) return false;
    const before = users(room).length;
    room.members.delete(key);
    return this.changed(room, before);
  }

  isMember(name: string, user: string): boolean {
    const room = this.rooms.get(name);
    return room !== undefined && [...room.members.values()].includes(user);
  }

  presence(name: string): { room: string; version: number; users: string[] } {
    const room = this.rooms.get(name);
    return { room: name, version: room?.presenceVersion ?? 0, users: room === undefined ? [] : users(room) };
  }

  private changed(room: Room, before: number): boolean {
    // Counting distinct users is enough: a join or leave changes the set only if it changes its size.
    if (users(room).length === before) return false;
    room.presenceVersion++;
    this.listVersion++;
    return true;
  }
}

function users(room: Room): string[] {
  return [...new Set(room.members.values())].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
