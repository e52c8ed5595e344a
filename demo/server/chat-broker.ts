import { randomUUID } from 'node:crypto';
import {
  createStompBroker,
  type HandlerContext,
  type StompBroker,
  type StompBrokerOptions,
  StompRejection,
} from '@sockwire/server';
import {
  type ChatMessage,
  checkNickname,
  checkRoomName,
  checkText,
  DEFAULT_ROOMS,
  type DirectMessage,
  destinations,
  type Notice,
  type PostMessage,
  type RoomHistory,
  type TypingEvent,
  type TypingUpdate,
} from '../shared/protocol.js';
import { andThen, type ChatStore, type MaybePromise } from './chat-store.js';
import { MemoryChatStore } from './memory-store.js';
import type { Rooms } from './rooms.js';

export interface ChatBrokerOptions {
  /**
   * Runs a publish of presence or of the room list a little later, so that a burst of joins (every client
   * re-subscribing after a server restart) goes out as one message per room. Default: 25 ms later.
   */
  readonly schedule?: (task: () => void) => void;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Passed to the STOMP broker (heart-beats, limits, log, a fake clock in tests, a Redis broker...). */
  readonly stomp?: StompBrokerOptions;
  /**
   * Where rooms, history, presence and nicknames live. Default: this process's memory (one node); a cluster
   * passes a RedisChatStore created with DEFAULT_ROOMS.
   */
  readonly store?: ChatStore;
}

export interface ChatBroker {
  readonly stomp: StompBroker;
  readonly store: ChatStore;
  /** The in-memory rooms, read synchronously; throws with a store of another kind (use `store`). */
  readonly rooms: Rooms;
}

/** `/topic/rooms/{room}/{kind}` for kind messages, presence or typing, with a valid room name. */
const ROOM_TOPIC = /^\/topic\/rooms\/([^/]+)\/(messages|presence|typing)$/;
/** What a page may subscribe to besides room topics. */
const OPEN_SUBSCRIPTIONS = new Set<string>([
  destinations.roomListUpdates,
  destinations.myDirectMessages,
  destinations.myNotices,
]);

function roomOf(destination: string): { room: string; kind: string } | undefined {
  const match = ROOM_TOPIC.exec(destination);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const checked = checkRoomName(match[1]);
  return checked.ok && checked.value === match[1] ? { room: match[1], kind: match[2] } : undefined;
}

/** The chat on an embedded STOMP broker: who may connect, what each destination does, and presence. */
export function createChatBroker(options: ChatBrokerOptions = {}): ChatBroker {
  const schedule = options.schedule ?? ((task: () => void) => void setTimeout(task, 25));
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;

  const stomp: StompBroker = createStompBroker({
    ...options.stomp,
    // CONNECT's `login` is the nickname and `passcode` the page's key (see nicknames.ts). A StompRejection's
    // message is what the page shows: stompjs hands the ERROR frame to `onStompError`.
    authenticate: (headers, request) => {
      const login = headers.find(([name]) => name === 'login')?.[1] ?? '';
      const key = headers.find(([name]) => name === 'passcode')?.[1] || `anonymous:${request.connectionId}`;
      const nickname = checkNickname(login);
      if (!nickname.ok) throw new StompRejection(nickname.reason);
      return andThen(store.claimNickname(nickname.value, key), (claimed) => {
        if (!claimed)
          throw new StompRejection(`The nickname "${nickname.value}" is in use. Pick another one.`);
        return { name: nickname.value };
      });
    },
    // Pages only talk to server code (/app) and only listen where the chat publishes: a SEND straight to
    // /topic could post under anyone's name, since only handlers stamp `from`.
    authorize: (_principal, action, destination) => {
      if (destination.startsWith('/app/')) return true;
      return (
        action === 'subscribe' && (OPEN_SUBSCRIPTIONS.has(destination) || roomOf(destination) !== undefined)
      );
    },
  });
  const store: ChatStore =
    options.store ?? new MemoryChatStore(DEFAULT_ROOMS, (name) => stomp.userSessions(name).length > 0);

  // Publishing is async and fails once the broker is closed (a presence flush can be due just after):
  // never leave a rejection unhandled, which would end the process.
  const log = options.stomp?.log ?? (() => {});
  const settle = (sent: Promise<unknown>) => {
    sent.catch((error: unknown) => log('debug', `chat: not delivered: ${String(error)}`));
  };

  // Coalesced publishing of presence and of the room list.
  const pendingPresence = new Set<string>();
  let listPending = false;
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    for (const room of pendingPresence) {
      settle(
        toPromise(andThen(store.presence(room), (p) => stomp.publish(destinations.roomPresence(room), p))),
      );
    }
    pendingPresence.clear();
    if (listPending) {
      settle(
        toPromise(andThen(store.listRooms(), (list) => stomp.publish(destinations.roomListUpdates, list))),
      );
    }
    listPending = false;
  };
  const later = (room: string | undefined, listChanged: boolean) => {
    if (room !== undefined) pendingPresence.add(room);
    listPending ||= listChanged;
    if (!flushScheduled) {
      flushScheduled = true;
      schedule(flush);
    }
  };

  /** Tells one user something only they need to know; returns undefined so a handler can `return notify()`. */
  const notify = (user: string, text: string): undefined => {
    const notice: Notice = { text };
    settle(stomp.sendToUser(user, destinations.myNotices.slice('/user'.length), notice));
    return undefined;
  };
  const userOf = (context: HandlerContext): string => {
    const name = context.session.principal?.name;
    // authenticate always gives a principal, so this is a bug, not a user error.
    if (name === undefined) throw new Error('chat: a session without a user');
    return name;
  };

  // Presence is subscriptions: subscribing to a room's message topic is joining it (and creates the room:
  // after a server restart, pages re-subscribe and so bring their rooms back), unsubscribing or
  // disconnecting is leaving. See "Session lifecycle events" in the STOMP README.
  stomp.on('subscribed', ({ session, subscription }) => {
    const target = roomOf(subscription.destination);
    const user = session.principal?.name;
    if (target?.kind !== 'messages' || user === undefined) return;
    const { room } = target;
    const member = `${session.id}/${subscription.id}`;
    const joined = andThen(store.hasRoom(room), (exists) =>
      exists
        ? andThen(store.join(room, member, user), (changed) => later(room, changed))
        : andThen(store.createRoom(room), (created) => {
            if (!created) {
              return andThen(store.listRooms(), (list) =>
                notify(user, `No more rooms can be created here: there are ${list.rooms.length}.`),
              );
            }
            // Presence goes out on every join, changed or not: the newcomer needs the list too.
            return andThen(store.join(room, member, user), () => later(room, true));
          }),
    );
    settle(toPromise(joined));
  });
  stomp.on('unsubscribed', ({ session, subscription }) => {
    const target = roomOf(subscription.destination);
    if (target?.kind !== 'messages') return;
    const left = andThen(store.leave(target.room, `${session.id}/${subscription.id}`), (changed) => {
      if (changed) later(target.room, true);
    });
    settle(toPromise(left));
  });
  stomp.on('connected', ({ session }) => {
    const name = session.principal?.name;
    if (name !== undefined) settle(toPromise(store.sessionOpened(name, session.id)));
  });
  stomp.on('disconnected', ({ session }) => {
    const name = session.principal?.name;
    if (name !== undefined) settle(toPromise(store.sessionClosed(name, session.id)));
  });
  // Another node died: the store removed its sessions' presence; tell the rooms that lost someone.
  store.onEntriesSwept((swept) => {
    for (const room of swept) later(room, true);
  });

  // The room list: one answer on subscribe, then updates on /topic/rooms.
  stomp.onSubscribe('/rooms', () => store.listRooms());

  stomp.onSubscribe('/rooms/{room}/history', (context): MaybePromise<RoomHistory> => {
    const room = context.params.room ?? '';
    return andThen(store.history(room), (messages) => ({ room, messages }));
  });

  stomp.onMessage(
    '/rooms/{room}/send',
    (context): MaybePromise<ChatMessage | undefined> => {
      const user = userOf(context);
      const room = context.params.room ?? '';
      const post = context.json<PostMessage>();
      return andThen(store.isMember(room, user), (member) => {
        if (!member) return notify(user, `Join #${room} before writing there.`);
        const text = checkText(typeof post.text === 'string' ? post.text : '');
        if (!text.ok) return notify(user, text.reason);
        const message: ChatMessage = {
          id: newId(),
          room,
          from: user,
          text: text.value,
          at: now(),
          clientId: String(post.clientId),
        };
        // A re-sent duplicate: its receipt still tells the page the server has it, and nothing is published.
        return andThen(store.post(message), (posted) => (posted ? message : undefined));
      });
    },
    // The returned message is published here; `{room}` is filled in from the destination.
    { sendTo: '/topic/rooms/{room}/messages' },
  );

  stomp.onMessage(
    '/rooms/{room}/typing',
    (context): MaybePromise<TypingEvent | undefined> => {
      const user = userOf(context);
      const room = context.params.room ?? '';
      const typing = context.json<TypingUpdate>().typing === true;
      return andThen(store.isMember(room, user), (member): TypingEvent | undefined =>
        member ? { room, user, typing } : undefined,
      );
    },
    { sendTo: '/topic/rooms/{room}/typing' },
  );

  stomp.onMessage('/dm/{user}', (context) => {
    const from = userOf(context);
    const to = safeDecode(context.params.user ?? '');
    const post = context.json<PostMessage>();
    const notOnline = () =>
      notify(from, `${to ?? 'That user'} is not online: the message was not delivered.`);
    if (to === undefined) return notOnline();
    // On any node: the broker carries /user destinations across the cluster.
    return andThen(store.isOnline(to), async (online) => {
      if (!online) return notOnline();
      const text = checkText(typeof post.text === 'string' ? post.text : '');
      if (!text.ok) return notify(from, text.reason);
      const dm: DirectMessage = {
        id: newId(),
        from,
        to,
        text: text.value,
        at: now(),
        clientId: String(post.clientId),
      };
      // To every session of both users, so the sender's other tabs show the conversation too.
      const queue = destinations.myDirectMessages.slice('/user'.length);
      await Promise.all([
        stomp.sendToUser(to, queue, dm),
        to === from ? undefined : stomp.sendToUser(from, queue, dm),
      ]);
      return undefined;
    });
  });

  // Nothing to do: the page only wants the RECEIPT of its SEND, which measures the round trip.
  stomp.onMessage('/ping', () => undefined);

  return {
    stomp,
    store,
    get rooms(): Rooms {
      if (store instanceof MemoryChatStore) return store.rooms;
      throw new Error('chat: the rooms are not in memory with this store; read them through `store`');
    },
  };
}

function toPromise(value: unknown): Promise<unknown> {
  return value instanceof Promise ? value : Promise.resolve(value);
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
