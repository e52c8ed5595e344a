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

/**
 * Our own messages: `sending` until the server confirms (the send() promise resolves, or its copy comes back),
 * then `sent`; `failed` when send() rejected (the page offers to retry). Everyone else's are `sent`.
 */
export type Delivery = 'sending' | 'sent' | 'failed';

export interface Bubble {
  /** The clientId of the message: the same for our copy shown while sending and for the server's. */
  readonly key: string;
  /** The server's id, once known (history and live copies of one message share it). */
  id: string | undefined;
  readonly from: string;
  readonly text: string;
  /** Server time once known; local time while sending. */
  at: number;
  delivery: Delivery;
  /** Why a `failed` one failed (the server's refusal, or the client giving up), for its tooltip. */
  error?: string | undefined;
}

/** What a reconnect brought: messages that arrived while catching up, and where history was lost. */
export interface CatchUpReport {
  /** New messages (not ours coming back) received between the reconnect and the end of the catch-up. */
  recovered: number;
  /** Rooms whose missed messages the server no longer had: their recent history was reloaded. */
  readonly reloaded: string[];
  /** Private messages sent while away may be missing (the server no longer had them). */
  directLost: boolean;
}

export interface Conversation {
  readonly key: string;
  readonly kind: 'room' | 'dm';
  /** Room name, or the other user's nickname. */
  readonly name: string;
  readonly messages: Bubble[];
  /** Messages from others that arrived while the reader was elsewhere: another conversation, another tab, or
   * scrolled up. */
  unread: number;
  /**
   * The first message of the latest unread run: the "New messages" line goes above it. It stays after the
   * messages were seen, until the reader replies or leaves the conversation.
   */
  markerKey: string | undefined;
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
  private catchUp: CatchUpReport | undefined;
  /** Whether the connection is up: while it is not, presence is unknown and our sends wait. */
  online = false;
  /**
   * Whether the reader sees the newest messages of the open conversation (the tab is visible and the list is
   * scrolled to the bottom); if not, what arrives there counts as unread too.
   */
  private attentive = true;

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

  setOnline(online: boolean): void {
    if (this.online === online) return;
    this.online = online;
    this.changed();
  }

  /** The reader looks at the newest messages (again), or stopped (tab hidden, scrolled up). */
  setAttentive(attentive: boolean): void {
    if (this.attentive === attentive) return;
    this.attentive = attentive;
    const conversation = this.current === undefined ? undefined : this.conversations.get(this.current);
    if (attentive && conversation !== undefined && conversation.unread > 0) conversation.unread = 0;
    this.changed();
  }

  /** Unread messages in every conversation (the page's title shows it). */
  get unreadTotal(): number {
    let total = 0;
    for (const conversation of this.conversations.values()) total += conversation.unread;
    return total;
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
      conversation = {
        key,
        kind,
        name,
        messages: [],
        unread: 0,
        markerKey: undefined,
        members: [],
        typing: new Map(),
      };
      this.conversations.set(key, conversation);
    }
    return conversation;
  }

  close(key: string): void {
    this.conversations.delete(key);
    if (this.current === key) this.current = [...this.conversations.keys()][0];
    this.changed();
  }

  /** Opens a conversation: its unread are read now, but its "New messages" line stays to show where they start. */
  select(key: string | undefined): void {
    const left = this.current === undefined ? undefined : this.conversations.get(this.current);
    if (left !== undefined && left.key !== key && left.unread === 0) left.markerKey = undefined;
    this.current = key;
    const conversation = key === undefined ? undefined : this.conversations.get(key);
    if (conversation !== undefined) conversation.unread = 0;
    this.changed();
  }

  /** Our own message, shown at once as "sending". */
  addOwn(key: string, clientId: string, text: string): void {
    const conversation = this.conversations.get(key);
    if (conversation === undefined) return;
    // Replying means the new messages were read.
    conversation.markerKey = undefined;
    conversation.messages.push({
      key: clientId,
      id: undefined,
      from: this.me,
      text,
      at: Date.now(),
      delivery: 'sending',
    });
    this.trim(conversation);
    this.changed();
  }

  /** The send() of one of ours resolved: the server has it. */
  delivered(clientId: string): void {
    const own = this.own(clientId);
    if (own === undefined || own.bubble.delivery === 'sent') return;
    own.bubble.delivery = 'sent';
    this.changed();
  }

  /** The send() of one of ours rejected (`error`: why); unless its copy came back meanwhile, it failed. */
  failed(clientId: string, error?: string): void {
    const own = this.own(clientId);
    if (own === undefined || own.bubble.delivery !== 'sending') return;
    own.bubble.delivery = 'failed';
    own.bubble.error = error;
    this.changed();
  }

  /** One of ours that failed is being sent again: "sending" once more; returns where and what, to send it. */
  retry(clientId: string): { conversation: Conversation; text: string } | undefined {
    const own = this.own(clientId);
    if (own === undefined || own.bubble.delivery !== 'failed') return undefined;
    own.bubble.delivery = 'sending';
    own.bubble.error = undefined;
    this.changed();
    return { conversation: own.conversation, text: own.bubble.text };
  }

  roomMessage(message: ChatMessage): void {
    const conversation = this.conversations.get(roomKey(message.room));
    if (conversation === undefined) return;
    if (this.merge(conversation, message)) this.changed();
  }

  /** A room's recent messages: on joining, and reloaded after a reconnect that lost some. */
  history(history: RoomHistory): void {
    const conversation = this.conversations.get(roomKey(history.room));
    if (conversation === undefined) return;
    let changed = false;
    // History is what was said before we (re)joined: it does not count as unread.
    for (const message of history.messages) changed = this.merge(conversation, message, false) || changed;
    if (changed) this.changed();
  }

  /** A reconnect: count what arrives until `caughtUp()` (a second reconnect before it goes on counting). */
  catchingUp(): void {
    this.catchUp ??= { recovered: 0, reloaded: [], directLost: false };
  }

  /** The server no longer had what a room (or, `undefined`, the private messages) missed while away. */
  historyLost(room: string | undefined): void {
    this.catchingUp();
    const report = this.catchUp as CatchUpReport;
    if (room === undefined) report.directLost = true;
    else if (!report.reloaded.includes(room)) report.reloaded.push(room);
  }

  /** The catch-up is over: what it brought. */
  caughtUp(): CatchUpReport {
    const report = this.catchUp ?? { recovered: 0, reloaded: [], directLost: false };
    this.catchUp = undefined;
    return report;
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

  /**
   * Adds a server message, unless it is here already; ours coming back instead updates the bubble shown while
   * sending. The SDK delivers each message of a subscription once, also across reconnects, but a room's history
   * (an /app answer) and its topic are two sources that overlap, on joining and on a reload, in either order
   * (in a cluster the topic goes through Redis): hence the look-up by server id. Returns whether it changed.
   */
  private merge(
    conversation: Conversation,
    message: ChatMessage | DirectMessage,
    countUnread = true,
  ): boolean {
    if (conversation.messages.some((m) => m.id === message.id)) return false;
    if (message.from === this.me) {
      const own = conversation.messages.find(
        (m) => m.from === this.me && m.id === undefined && m.key === message.clientId,
      );
      if (own !== undefined) {
        own.id = message.id;
        own.at = message.at;
        own.delivery = 'sent';
        return true;
      }
    }
    const bubble: Bubble = {
      key: message.clientId,
      id: message.id,
      from: message.from,
      text: message.text,
      at: message.at,
      delivery: 'sent',
    };
    // Usually the newest: walk back from the end to keep the list in time order.
    let index = conversation.messages.length;
    while (index > 0 && (conversation.messages[index - 1]?.at ?? 0) > bubble.at) index--;
    conversation.messages.splice(index, 0, bubble);
    this.trim(conversation);
    const unseen = conversation.key !== this.current || !this.attentive;
    if (countUnread && unseen && message.from !== this.me) {
      // The first of a new unread run: the "New messages" line goes above it.
      if (conversation.unread === 0) conversation.markerKey = bubble.key;
      conversation.unread++;
    }
    // A message from someone means they stopped typing.
    conversation.typing.delete(message.from);
    if (this.catchUp !== undefined) this.catchUp.recovered++;
    return true;
  }

  private own(clientId: string): { conversation: Conversation; bubble: Bubble } | undefined {
    for (const conversation of this.conversations.values()) {
      const bubble = conversation.messages.find((m) => m.from === this.me && m.key === clientId);
      if (bubble !== undefined) return { conversation, bubble };
    }
    return undefined;
  }

  private trim(conversation: Conversation): void {
    if (conversation.messages.length > MAX_MESSAGES)
      conversation.messages.splice(0, conversation.messages.length - MAX_MESSAGES);
  }
}

/** The line the page shows once a reconnect has caught up, in plain words. */
export function describeCatchUp(report: CatchUpReport): string {
  const sentences: string[] = [];
  const n = report.recovered;
  if (n > 0) sentences.push(`${n} missed ${n === 1 ? 'message' : 'messages'} recovered.`);
  if (report.reloaded.length > 0) {
    const rooms = report.reloaded.map((room) => `#${room}`).join(', ');
    sentences.push(`The server no longer had what you missed in ${rooms}: recent messages were reloaded.`);
  }
  if (report.directLost) sentences.push('Private messages sent while you were away may be missing.');
  return `Back online. ${sentences.length === 0 ? 'Nothing was missed.' : sentences.join(' ')}`;
}
