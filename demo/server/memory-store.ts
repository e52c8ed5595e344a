import type { ChatMessage, Presence, RoomList } from '../shared/protocol.js';
import type { ChatStore } from './chat-store.js';
import { Nicknames } from './nicknames.js';
import { Rooms } from './rooms.js';

/** The chat's state in this process (one node): rooms.ts and nicknames.ts, answering synchronously. */
export class MemoryChatStore implements ChatStore {
  /** The rooms themselves, to read synchronously (tests of the single-node server do). */
  readonly rooms: Rooms;
  private readonly nicknames: Nicknames;
  private readonly online: (user: string) => boolean;

  /** `isOnline(user)`: whether the user has an open session (the STOMP broker's `userSessions`). */
  constructor(initialRooms: readonly string[], isOnline: (user: string) => boolean) {
    this.rooms = new Rooms(initialRooms);
    this.online = isOnline;
    this.nicknames = new Nicknames(isOnline);
  }

  hasRoom(room: string): boolean {
    return this.rooms.has(room);
  }
  createRoom(room: string): boolean {
    return this.rooms.create(room);
  }
  listRooms(): RoomList {
    return this.rooms.list();
  }
  history(room: string): readonly ChatMessage[] {
    return this.rooms.history(room);
  }
  post(message: ChatMessage): boolean {
    return this.rooms.post(message);
  }
  join(room: string, member: string, user: string): boolean {
    return this.rooms.join(room, member, user);
  }
  leave(room: string, member: string): boolean {
    return this.rooms.leave(room, member);
  }
  isMember(room: string, user: string): boolean {
    return this.rooms.isMember(room, user);
  }
  presence(room: string): Presence {
    return this.rooms.presence(room);
  }
  claimNickname(name: string, key: string): boolean {
    return this.nicknames.claim(name, key);
  }
  sessionOpened(): void {}
  sessionClosed(user: string): void {
    this.nicknames.release(user);
  }
  isOnline(user: string): boolean {
    return this.online(user);
  }
  onEntriesSwept(): void {}
  async close(): Promise<void> {}
}
