import {
  type ChatMessage,
  type DirectMessage,
  LIMITS,
  type Presence,
  type RoomHistory,
  type RoomList,
  type RoomSummary,
  type TypingEvent,
} from '../shared/protocol.js';

/*
 * The page's state, free of DOM and of STOMP: what the connection reports goes in, the views read it out.
 * Conversations are rooms (`#general`) and private chats (`@bob`).
 */

/** `sending`: not confirmed yet; `sent`: the server has it (RECEIPT, or its copy came back). */
export type Delivery = 'sending' | 'sent';

export interface Bubble {
  /** The clientId of the message: the same for our pending copy and the server's. */
  readonly key: string;
  readonly from: string;
  readonly text: string;
  /** Server time once known; local time while sending. */
  at: number;
  delivery: Delivery;
}

export interface Conversation {
  readonly key: string;
  readonly kind: 'room' | 'dm';
  /** Room name, or the other user's nickname. */
  readonly name: string;
  readonly messages: Bubble[];
  unread: number;
  /** Users in the room (rooms only). */
  members: readonly string[];
  /** User → when their typing indicator expires (ms since the epoch). */
  readonly typing: Map<string, number>;
}

/** Older messages are dropped past this, per conversation, so a long session stays light. */
const MAX_MESSAGES = 500;

export const roomKey = (room: string): string => `#${room}`;
export const dmKey = (user: string): string => `@${user}`;

export class Store {
  readonly me: string;
  rooms: readonly RoomSummary[] = [];
  readonly conversations = new Map<string, Conversation>();
  current: string | undefined;
  private listVersion = -1;
  private readonly presenceVersions = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  constructor(me: string) {
    this.me = me;
  }

  /** Called after every change; the views batch their rendering themselves. */
  subscribe(listener: () => void): void {
    this.listeners.add(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** A new connection sends fresh lists whose versions start again: forget the old ones. */
  connectionRestarted(): void {
    this.listVersion = -1;
    this.presenceVersions.clear();
  }

  setRoomList(list: RoomList): void {
    // The snapshot and the updates topic can cross: keep the newest.
    if (list.version < this.listVersion) return;
    this.listVersion = list.version;
    this.rooms = [...list.rooms].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    this.changed();
  }

  open(key: string, kind: 'room' | 'dm', name: string): Conversation {
    let conversation = this.conversations.get(key);
    if (conversation === undefined) {
      conversation = { key, kind, name, messages: [], unread: 0, members: [], typing: new Map() };
      this.conversations.set(key, conversation);
    }
    return conversation;
  }

  close(key: string): void {
    this.conversations.delete(key);
    if (this.current === key) this.current = [...this.conversations.keys()][0];
    this.changed();
  }

  select(key: string | undefined): void {
    this.current = key;
    const conversation = key === undefined ? undefined : this.conversations.get(key);
    if (conversation !== undefined) conversation.unread = 0;
    this.changed();
  }

  /** Our own message, shown at once as "sending". */
  addOwn(key: string, clientId: string, text: string): void {
    const conversation = this.conversations.get(key);
    if (conversation === undefined) return;
    conversation.messages.push({ key: clientId, from: this.me, text, at: Date.now(), delivery: 'sending' });
    this.trim(conversation);
    this.changed();
  }

  /** The RECEIPT for one of ours arrived. */
  stored(clientId: string): void {
    for (const conversation of this.conversations.values()) {
      const bubble = conversation.messages.find((m) => m.key === clientId);
      if (bubble !== undefined) bubble.delivery = 'sent';
    }
    this.changed();
  }

  roomMessage(message: ChatMessage): void {
    const conversation = this.conversations.get(roomKey(message.room));
    if (conversation === undefined) return;
    if (this.merge(conversation, message)) this.changed();
  }

  history(history: RoomHistory): void {
    const conversation = this.conversations.get(roomKey(history.room));
    if (conversation === undefined) return;
    let added = false;
    // History is what was said before we (re)joined: it does not count as unread.
    for (const message of history.messages) added = this.merge(conversation, message, false) || added;
    if (added) this.changed();
  }

  directMessage(message: DirectMessage): void {
    const other = message.from === this.me ? message.to : message.from;
    const conversation = this.open(dmKey(other), 'dm', other);
    this.merge(conversation, message);
    this.changed();
  }

  presence(presence: Presence): void {
    const conversation = this.conversations.get(roomKey(presence.room));
    if (conversation === undefined) return;
    if (presence.version < (this.presenceVersions.get(presence.room) ?? -1)) return;
    this.presenceVersions.set(presence.room, presence.version);
    conversation.members = presence.users;
    // Someone who left is no longer typing.
    for (const user of conversation.typing.keys())
      if (!presence.users.includes(user)) conversation.typing.delete(user);
    this.changed();
  }

  typing(event: TypingEvent): void {
    const conversation = this.conversations.get(roomKey(event.room));
    if (conversation === undefined || event.user === this.me) return;
    if (event.typing) conversation.typing.set(event.user, Date.now() + LIMITS.typingTtl);
    else conversation.typing.delete(event.user);
    this.changed();
  }

  /** Users typing in a conversation now; stale indicators (a lost "stopped typing") are dropped. */
  typists(conversation: Conversation, now = Date.now()): string[] {
    for (const [user, until] of conversation.typing) if (until <= now) conversation.typing.delete(user);
    return [...conversation.typing.keys()].sort();
  }

  /** Adds a server message unless we have it; returns whether anything changed. */
  private merge(
    conversation: Conversation,
    message: ChatMessage | DirectMessage,
    countUnread = true,
  ): boolean {
    const key = message.clientId;
    const existing = conversation.messages.find((m) => m.key === key && m.from === message.from);
    if (existing !== undefined) {
      const changed = existing.delivery !== 'sent' || existing.at !== message.at;
      existing.delivery = 'sent';
      existing.at = message.at;
      return changed;
    }
    const bubble: Bubble = { key, from: message.from, text: message.text, at: message.at, delivery: 'sent' };
    // Usually the newest: walk back from the end to keep the list in time order.
    let index = conversation.messages.length;
    while (index > 0 && (conversation.messages[index - 1]?.at ?? 0) > bubble.at) index--;
    conversation.messages.splice(index, 0, bubble);
    this.trim(conversation);
    if (countUnread && conversation.key !== this.current && message.from !== this.me) conversation.unread++;
    // A message from someone means they stopped typing.
    conversation.typing.delete(message.from);
    return true;
  }

  private trim(conversation: Conversation): void {
    if (conversation.messages.length > MAX_MESSAGES)
      conversation.messages.splice(0, conversation.messages.length - MAX_MESSAGES);
  }
}
