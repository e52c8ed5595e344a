/*
 * Everything the page does with the Sockwire SDK is in this file: it is the worked example of
 * `@sockwire/client/stomp`. The rest of the page only renders what this class reports.
 *
 *   createStompClient(url, options)   a @stomp/stompjs Client whose socket is a SockwireSocket: WebSocket when it
 *                                     gets through, else XHR streaming, EventSource or XHR polling (SockJS).
 *   client.subscribeJson(dest, fn)    durable: made now if connected, and made again after every reconnect,
 *                                     resumed from the last message it got, so the callback sees every message
 *                                     once, in order, including those published while the page was away.
 *   onGap(gap)                        a resumed subscription whose missed messages the server no longer has.
 *   client.send(dest, body, headers)  a SEND whose promise resolves on the server's RECEIPT (our "✓ sent");
 *                                     the SDK keeps it until then, across reconnects, and re-sends it with
 *                                     the same `x-idempotency-key`, so the server posts it once.
 *   onReconnectScheduled(delay, n)    the backoff's next delay, for the "reconnecting in 3 s" banner.
 */
import {
  createStompClient,
  type IFrame,
  type SockwireStompClient,
  type StompGap,
  type StompSubscription,
} from '@sockwire/client/stomp';
import {
  type ChatMessage,
  type DirectMessage,
  destinations,
  type Notice,
  type PostMessage,
  type Presence,
  type RoomHistory,
  type RoomList,
  STOMP_PATH,
  type TypingEvent,
} from '../shared/protocol.js';
import { describeClose } from './close-words.js';

export const TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'] as const;
export type Transport = (typeof TRANSPORTS)[number];
/** `auto` lets the socket pick, in the order above; a name forces that one transport. */
export type TransportChoice = 'auto' | Transport;

export type ConnectionState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected'; readonly transport: string }
  /** The connection is down; the next attempt starts at `nextAttemptAt` (ms since the epoch). */
  | {
      readonly kind: 'reconnecting';
      readonly nextAttemptAt: number;
      readonly attempt: number;
      /** What happened, in plain words ("The chat server went away"). */
      readonly problem: string;
      /** The close code and reason, for the connection panel ("1001 Going away"). */
      readonly detail: string;
      /** What a developer may have to fix (a page on another origin than its server). */
      readonly hint?: string;
    }
  /** The server said no; retrying would not help, so the client stopped. */
  | { readonly kind: 'refused'; readonly cause: 'nickname' | 'origin' | 'denied'; readonly message: string }
  | { readonly kind: 'stopped' };

/** What the connection reports to the page. Every callback may be called at any time after `start()`. */
export interface ChatListener {
  state(state: ConnectionState): void;
  /** Round-trip time of the last ping, in ms. */
  roundTrip(ms: number): void;
  roomList(list: RoomList): void;
  history(history: RoomHistory): void;
  roomMessage(message: ChatMessage): void;
  presence(presence: Presence): void;
  typing(event: TypingEvent): void;
  directMessage(message: DirectMessage): void;
  notice(notice: Notice): void;
  /**
   * A reconnect: what arrives from now until `caughtUp()` is mostly what was published while the page was away
   * (resumed subscriptions replay it first). Called again if the connection drops before `caughtUp()`.
   */
  catchingUp(): void;
  /**
   * Messages of a room (`room`) or private messages (`undefined`) published while away are gone from the
   * server; a room's recent history is being reloaded (it comes through `history`).
   */
  historyLost(room: string | undefined): void;
  /** The catch-up is over: every resumed subscription has replayed, every reloaded history arrived. */
  caughtUp(): void;
}

/** Per room: the subscriptions that make up "being in the room". */
interface JoinedRoom {
  readonly subscriptions: StompSubscription[];
  /** Whether its messages carry stream offsets, i.e. whether the server can resume the subscription. */
  numbered: boolean;
}

const PING_EVERY_MS = 5000;
const STREAM_OFFSET = 'x-stream-offset';

export class ChatConnection {
  /** The chat server's origin: the page's own, unless the page was opened with `?server=`. */
  readonly server: string;
  readonly nickname: string;
  readonly transport: TransportChoice;
  private readonly client: SockwireStompClient;
  private readonly listener: ChatListener;
  private readonly rooms = new Map<string, JoinedRoom>();
  /** One-shot subscriptions to rooms' history, until their answer arrives. */
  private readonly historyLoads = new Map<string, StompSubscription>();
  private connections = 0;
  /** Set from a reconnect until everything missed has arrived; `pinged` once the first ping's RECEIPT came. */
  private catchUp: { pinged: boolean } | undefined;
  /** "Retry now" is restarting the client: sends it rejects are made again. */
  private restarting = false;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastPing = 0;
  private scheduled: { nextAttemptAt: number; attempt: number } | undefined;

  constructor(
    server: string,
    nickname: string,
    key: string,
    transport: TransportChoice,
    listener: ChatListener,
  ) {
    this.server = server;
    this.nickname = nickname;
    this.transport = transport;
    this.listener = listener;
    // The SockJS endpoint's http(s) URL; the socket derives the WebSocket URL and the HTTP transports' URLs.
    const url = new URL(STOMP_PATH, server).href;
    this.client = createStompClient(url, {
      // CONNECT headers: the server's `authenticate` reads the nickname from `login` and our key from
      // `passcode` (the key proves that a reconnect, or another tab, is still us).
      connectHeaders: { login: nickname, passcode: key },
      // Options of every SockwireSocket the client opens. `transports` restricts the fallback list.
      socket: transport === 'auto' ? {} : { transports: [transport] },
      // Full-jitter backoff between reconnects: a random delay below 1 s, 2 s, 4 s ... capped at 10 s.
      minDelay: 1000,
      maxDelay: 10_000,
      // Called as the socket closes, just before onWebSocketClose, which reports it with the close reason.
      onReconnectScheduled: (delay, attempt) => {
        this.scheduled = { nextAttemptAt: Date.now() + delay, attempt };
      },
      // A resumed subscription whose missed messages the server no longer has (it restarted, or they are
      // older than the history it keeps).
      onGap: (gap) => this.gap(gap),
    });
    this.client.onConnect = () => this.connected();
    this.client.onStompError = (frame) => this.refused(frame);
    this.client.onWebSocketClose = (event: CloseEvent) => this.socketClosed(event);
    this.subscribeEverywhere();
  }

  start(): void {
    this.listener.state({ kind: 'connecting' });
    this.client.activate();
  }

  /** Disconnects for good (DISCONNECT, then close); nothing is reported afterwards. Unconfirmed sends reject. */
  async stop(): Promise<void> {
    this.stopPinging();
    await this.client.deactivate();
  }

  /** Try again now instead of waiting for the backoff (the banner's "Retry now"). */
  async retryNow(): Promise<void> {
    this.restarting = true;
    try {
      await this.client.deactivate();
    } finally {
      this.restarting = false;
    }
    this.start();
  }

  /** Enters a room (creating it if new): its messages, who is in it, who is typing, and its recent history. */
  joinRoom(room: string): void {
    if (this.rooms.has(room)) return;
    const { client, listener } = this;
    const joined: JoinedRoom = { subscriptions: [], numbered: false };
    // Order matters: presence and typing first, so the presence update that our own joining triggers (the
    // server counts subscribers of the messages topic) finds us already listening.
    joined.subscriptions.push(
      client.subscribeJson<Presence>(destinations.roomPresence(room), (p) => listener.presence(p)),
      // Typing events replayed after a reconnect are stale: only live ones are shown.
      client.subscribeJson<TypingEvent>(destinations.roomTyping(room), (t) => {
        if (this.catchUp === undefined) listener.typing(t);
      }),
      client.subscribeJson<ChatMessage>(destinations.roomMessages(room), (m, message) => {
        if (message.headers[STREAM_OFFSET] !== undefined) joined.numbered = true;
        listener.roomMessage(m);
      }),
    );
    this.rooms.set(room, joined);
    // The messages said before we came in: the server's `onSubscribe` handler answers once with the last 50.
    this.loadHistory(room);
  }

  /** Leaves a room: unsubscribing is leaving (the server updates presence on UNSUBSCRIBE). */
  leaveRoom(room: string): void {
    for (const subscription of this.rooms.get(room)?.subscriptions ?? []) subscription.unsubscribe();
    this.rooms.delete(room);
    this.historyLoads.get(room)?.unsubscribe();
    this.historyLoads.delete(room);
    this.caughtUpIfDone();
  }

  /** Resolves once the server has the message (RECEIPT); rejects if it refused it or the page gave up. */
  postToRoom(room: string, text: string, clientId: string): Promise<void> {
    return this.send(destinations.postToRoom(room), { text, clientId });
  }

  sendDirect(user: string, text: string, clientId: string): Promise<void> {
    return this.send(destinations.directMessage(user), { text, clientId });
  }

  /** Typing state is only worth sending live: when offline it is dropped, not queued. */
  setTyping(room: string, typing: boolean): void {
    if (this.client.connected) this.client.publishJson(destinations.typing(room), { typing });
  }

  /** The subscriptions that last the whole session, made once; the client re-makes them on every reconnect. */
  private subscribeEverywhere(): void {
    const { client, listener } = this;
    // The room list: updates on the topic, and the current list once from the subscribe handler. Topic
    // first, so no update can fall between the two.
    client.subscribeJson<RoomList>(destinations.roomListUpdates, (list) => listener.roomList(list));
    client.subscribeJson<RoomList>(destinations.roomList, (list) => listener.roomList(list));
    // `/user/...` destinations are private: the server sends with `stomp.sendToUser(name, '/queue/dm', ...)`
    // and only this user's sessions get it.
    client.subscribeJson<DirectMessage>(destinations.myDirectMessages, (dm) => listener.directMessage(dm));
    client.subscribeJson<Notice>(destinations.myNotices, (notice) => listener.notice(notice));
  }

  /**
   * The SDK's confirmed send. Our clientId is the idempotency key, so a message the page sends again (the
   * "Retry" of a failed one, or one re-made below) is still posted once.
   */
  private send(destination: string, body: PostMessage): Promise<void> {
    const headers = { 'content-type': 'application/json', 'x-idempotency-key': body.clientId };
    return this.client.send(destination, JSON.stringify(body), headers).catch((error: unknown) => {
      // "Retry now" restarts the client, whose deactivate() rejects what is unconfirmed: make those again,
      // in their order, to go out once it is back.
      if (this.restarting) return this.send(destination, body);
      throw error;
    });
  }

  /** Asks a room's `onSubscribe` history handler for the last messages: one answer, then unsubscribe. */
  private loadHistory(room: string): void {
    if (this.historyLoads.has(room)) return;
    const subscription = this.client.subscribeJson<RoomHistory>(destinations.roomHistory(room), (history) => {
      subscription.unsubscribe();
      this.historyLoads.delete(room);
      this.listener.history(history);
      this.caughtUpIfDone();
    });
    this.historyLoads.set(room, subscription);
  }

  private connected(): void {
    const socket = this.client.webSocket as { transport?: string | null } | undefined;
    this.listener.state({ kind: 'connected', transport: socket?.transport ?? 'unknown' });
    // The SDK has already re-made every subscription (each resuming where it stopped) and re-sent every
    // unconfirmed send; the first ping goes after them, so its RECEIPT marks the end of their replays.
    if (++this.connections > 1) {
      this.startCatchUp();
      // A room whose messages never carried offsets cannot be resumed (a broker without history, or no
      // message yet): its history, reloaded, fills in what was missed.
      for (const [room, joined] of this.rooms) if (!joined.numbered) this.loadHistory(room);
    }
    this.ping();
    this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
  }

  private startCatchUp(): void {
    this.catchUp = { pinged: false };
    this.listener.catchingUp();
  }

  /** A resumed subscription lost messages: a room reloads its history; for private messages, we can only say so. */
  private gap(gap: StompGap): void {
    if (this.catchUp === undefined) this.startCatchUp();
    if (gap.destination === destinations.myDirectMessages) {
      this.listener.historyLost(undefined);
      return;
    }
    for (const room of this.rooms.keys()) {
      if (gap.destination !== destinations.roomMessages(room)) continue;
      this.listener.historyLost(room);
      this.loadHistory(room);
    }
  }

  private caughtUpIfDone(): void {
    if (this.catchUp?.pinged !== true || this.historyLoads.size > 0) return;
    this.catchUp = undefined;
    this.listener.caughtUp();
  }

  /** Measures the round trip with a RECEIPT: SEND to a handler that does nothing, and time the answer. */
  private ping(): void {
    if (!this.client.connected) return;
    const receipt = `ping-${++this.lastPing}`;
    const sentAt = performance.now();
    const catchUp = this.catchUp;
    this.client.watchForReceipt(receipt, () => {
      this.listener.roundTrip(Math.round(performance.now() - sentAt));
      if (catchUp !== undefined && catchUp === this.catchUp) {
        catchUp.pinged = true;
        this.caughtUpIfDone();
      }
    });
    // publish(), not send(): a ping lost with its connection is not worth sending again.
    this.client.publish({ destination: destinations.ping, headers: { receipt } });
  }

  private stopPinging(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  /**
   * An ERROR frame: the server refused something and is closing the connection. A refused CONNECT (nickname
   * in use) or an access denial would only be refused again, so stop instead of reconnecting.
   */
  private refused(frame: IFrame): void {
    const summary = frame.headers.message ?? 'Error';
    const detail = frame.body.trim();
    const cause =
      summary === 'Authentication failed' ? 'nickname' : summary === 'Access denied' ? 'denied' : undefined;
    if (cause === undefined) return; // anything else: let the client reconnect
    this.stopPinging();
    void this.client.deactivate();
    this.listener.state({ kind: 'refused', cause, message: detail || summary });
  }

  private socketClosed(event: CloseEvent): void {
    this.stopPinging();
    const scheduled = this.scheduled;
    this.scheduled = undefined;
    const page = window.location.origin;
    const allow = `start it with --allowed-origins ${page}`;
    // The server answers /info with 403 when the page's origin is not in its `allowedOrigins`: the socket
    // closes with 1002 and says so in the reason. Not something a retry fixes.
    if (event.code === 1002 && /HTTP 403/.test(event.reason)) {
      void this.client.deactivate();
      this.listener.state({
        kind: 'refused',
        cause: 'origin',
        message: `The server at ${this.server} refused this page's origin (${page}): ${allow}.`,
      });
      return;
    }
    if (scheduled === undefined) return;
    const detail = `${event.code} ${event.reason}`.trim();
    const problem = describeClose(event.code, event.reason);
    // A server older than Sockwire's CORS-readable refusals (or a proxy in front) may hide a 403 behind the
    // same network error as a server that is down: name both possibilities.
    if (this.server !== page && event.reason.startsWith('Cannot connect to server')) {
      const hint = `If ${this.server} is running, it may refuse this page's origin (${page}): ${allow}.`;
      this.listener.state({ kind: 'reconnecting', ...scheduled, problem, detail, hint });
      return;
    }
    this.listener.state({ kind: 'reconnecting', ...scheduled, problem, detail });
  }
}
