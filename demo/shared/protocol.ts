/*
 * The chat's protocol: every STOMP destination the page and the server use, the JSON bodies on them, and the
 * validation rules. Both sides import this file, so a rule is written once; the server's check is the one
 * that counts, the page's only gives instant feedback.
 *
 * Destinations follow Spring's conventions, which the embedded broker shares:
 *   /app/...         handled by server code (`stomp.onMessage` / `stomp.onSubscribe`)
 *   /topic/...       broadcast by the broker to every subscriber
 *   /user/queue/...  private to one user (the server sends with `stomp.sendToUser`)
 */

/** The SockJS endpoint's path on the server (the page connects to `${origin}${STOMP_PATH}`). */
export const STOMP_PATH = '/stomp';

export const destinations = {
  /** SUBSCRIBE: one reply with the current room list (a subscribe handler). */
  roomList: '/app/rooms',
  /** SUBSCRIBE: the room list again whenever it changes. */
  roomListUpdates: '/topic/rooms',
  /**
   * SUBSCRIBE: the room's messages. Being subscribed here is what "being in the room" means, and subscribing
   * to a room that does not exist yet creates it.
   */
  roomMessages: (room: string) => `/topic/rooms/${room}/messages`,
  /** SUBSCRIBE: who is in the room, resent whenever it changes. */
  roomPresence: (room: string) => `/topic/rooms/${room}/presence`,
  /** SUBSCRIBE: who is typing. */
  roomTyping: (room: string) => `/topic/rooms/${room}/typing`,
  /** SUBSCRIBE: one reply with the room's recent messages. */
  roomHistory: (room: string) => `/app/rooms/${room}/history`,
  /** SEND `PostMessage`. */
  postToRoom: (room: string) => `/app/rooms/${room}/send`,
  /** SEND `TypingUpdate`. */
  typing: (room: string) => `/app/rooms/${room}/typing`,
  /** SEND `PostMessage` to one user. */
  directMessage: (user: string) => `/app/dm/${encodeURIComponent(user)}`,
  /** SUBSCRIBE: private messages to and from me (every tab of mine gets both directions). */
  myDirectMessages: '/user/queue/dm',
  /** SUBSCRIBE: the server's answers meant for me alone (a refused room name, an offline user). */
  myNotices: '/user/queue/notices',
  /** SEND with a `receipt` header: the RECEIPT's delay is the round-trip time. */
  ping: '/app/ping',
} as const;

/** One entry of the room list. */
export interface RoomSummary {
  readonly name: string;
  /** Distinct users in the room now. */
  readonly members: number;
}

/** The whole room list; `version` grows with every change, so an older copy arriving late is ignored. */
export interface RoomList {
  readonly version: number;
  readonly rooms: readonly RoomSummary[];
}

/**
 * What the page sends; `clientId` lets it match the server's copy with the bubble it already shows, and is also
 * the SEND's `x-idempotency-key` (and the chat store's own check), so a message sent again is posted once.
 */
export interface PostMessage {
  readonly text: string;
  readonly clientId: string;
}

/** A room message as the server stamped it (`from` and `at` are the server's, never the sender's word). */
export interface ChatMessage {
  readonly id: string;
  readonly room: string;
  readonly from: string;
  readonly text: string;
  /** Milliseconds since the epoch, server clock. */
  readonly at: number;
  readonly clientId: string;
}

export interface DirectMessage {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly at: number;
  readonly clientId: string;
}

export interface RoomHistory {
  readonly room: string;
  readonly messages: readonly ChatMessage[];
}

export interface Presence {
  readonly room: string;
  readonly version: number;
  /** Sorted, each user once however many tabs it has open. */
  readonly users: readonly string[];
}

export interface TypingUpdate {
  readonly typing: boolean;
}

export interface TypingEvent {
  readonly room: string;
  readonly user: string;
  readonly typing: boolean;
}

export interface Notice {
  readonly text: string;
}

export const LIMITS = {
  nickname: 24,
  roomName: 32,
  text: 2000,
  /** Messages a room keeps for newcomers. */
  history: 50,
  rooms: 100,
  /** A typing indicator not refreshed within this many ms is stale. */
  typingTtl: 6000,
} as const;

export const DEFAULT_ROOMS = ['general', 'random'] as const;

/**
 * A nickname, trimmed, or the reason it is refused. Letters and digits of any script plus `_ . -`: no spaces,
 * so a name reads unambiguously in a list, and no characters that look like markup.
 */
export function checkNickname(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: 'Pick a nickname.' };
  if ([...value].length > LIMITS.nickname)
    return { ok: false, reason: `At most ${LIMITS.nickname} characters.` };
  if (!/^[\p{L}\p{N}_.-]+$/u.test(value))
    return { ok: false, reason: 'Letters, digits, "_", "." and "-" only.' };
  return { ok: true, value };
}

/** A room name normalized (lower case, spaces to dashes), or the reason it is refused. */
export function checkRoomName(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  const value = raw.trim().toLowerCase().replace(/\s+/g, '-');
  if (value === '') return { ok: false, reason: 'Name the room.' };
  if (value.length > LIMITS.roomName) return { ok: false, reason: `At most ${LIMITS.roomName} characters.` };
  if (!/^[a-z0-9][a-z0-9-]*$/.test(value))
    return { ok: false, reason: 'Lower-case letters, digits and dashes, starting with a letter or digit.' };
  return { ok: true, value };
}

/** Message text, trimmed, or the reason it is refused. */
export function checkText(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: 'Empty message.' };
  if (value.length > LIMITS.text) return { ok: false, reason: `At most ${LIMITS.text} characters.` };
  return { ok: true, value };
}
