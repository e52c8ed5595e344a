/*
 * Everything the page does with the Sockwire SDK is in this file: it is the worked example of
 * `@sockwire/client/stomp`. The rest of the page only renders what this class reports.
 *
 *   createStompClient(url, options)   a @stomp/stompjs Client whose socket is a SockwireSocket: WebSocket when it
 *                                     gets through, else XHR streaming, EventSource or XHR polling (SockJS).
 *   client.subscribeJson(dest, fn)    durable: made now if connected, and made again after every reconnect, so
 *                                     the page never re-subscribes by hand (rooms, presence, private messages).
 *   client.publishJson(dest, value)   a SEND with a JSON body; with a `receipt` header the server answers with
 *                                     a RECEIPT once it has processed the frame (our "✓ sent").
 *   onReconnectScheduled(delay, n)    the backoff's next delay, for the "reconnecting in 3 s" banner.
 */
import { createStompClient, type IFrame, type SockwireStompClient } from '@sockwire/client/stomp';
import {
  type ChatMessage,
  type DirectMessage,
  destinations,
  type Notice,
  type Presence,
  type RoomHistory,
  type RoomList,
  STOMP_PATH,
  type TypingEvent,
} from '../shared/protocol.js';

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
      readonly why: string;
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
  /** The server has the message sent with this `clientId` (its RECEIPT arrived). */
  stored(clientId: string): void;
}

/** A message the page wants sent, kept until the server confirms it. */
interface Outgoing {
  readonly destination: string;
  readonly body: { readonly text: string; readonly clientId: string };
}

const PING_EVERY_MS = 5000;

export class ChatConnection {
  /** The chat server's origin: the page's own, unless the page was opened with `?server=`. */
  readonly server: string;
  readonly nickname: string;
  readonly transport: TransportChoice;
  private readonly client: SockwireStompClient;
  private readonly listener: ChatListener;
  /** Per room, the subscriptions that make up "being in the room". */
  private readonly rooms = new Map<string, { unsubscribe(): void }[]>();
  /** Not sent yet (we were offline), or sent and not confirmed: re-sent after a reconnect. */
  private readonly outbox = new Map<string, Outgoing>();
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

  /** Disconnects for good (DISCONNECT, then close); nothing is reported afterwards. */
  async stop(): Promise<void> {
    this.stopPinging();
    await this.client.deactivate();
  }

  /** Try again now instead of waiting for the backoff (the banner's "Retry now"). */
  async retryNow(): Promise<void> {
    await this.client.deactivate();
    this.start();
  }

  /** Enters a room (creating it if new): its messages, who is in it, who is typing, and its recent history. */
  joinRoom(room: string): void {
    if (this.rooms.has(room)) return;
    const { client, listener } = this;
    // Order matters: presence and typing first, so the presence update that our own joining triggers (the
    // server counts subscribers of the messages topic) finds us already listening.
    this.rooms.set(room, [
      client.subscribeJson<Presence>(destinations.roomPresence(room), (p) => listener.presence(p)),
      client.subscribeJson<TypingEvent>(destinations.roomTyping(room), (t) => listener.typing(t)),
      client.subscribeJson<ChatMessage>(destinations.roomMessages(room), (m) => listener.roomMessage(m)),
      // An /app subscription answered once by the server's `onSubscribe` handler; being durable, it is
      // answered again after each reconnect, which fills in what was missed while offline.
      client.subscribeJson<RoomHistory>(destinations.roomHistory(room), (h) => listener.history(h)),
    ]);
  }

  /** Leaves a room: unsubscribing is leaving (the server updates presence on UNSUBSCRIBE). */
  leaveRoom(room: string): void {
    for (const subscription of this.rooms.get(room) ?? []) subscription.unsubscribe();
    this.rooms.delete(room);
  }

  postToRoom(room: string, text: string, clientId: string): void {
    this.send({ destination: destinations.postToRoom(room), body: { text, clientId } });
  }

  sendDirect(user: string, text: string, clientId: string): void {
    this.send({ destination: destinations.directMessage(user), body: { text, clientId } });
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

  private send(message: Outgoing): void {
    this.outbox.set(message.body.clientId, message);
    if (this.client.connected) this.transmit(message);
  }

  /** SEND with a receipt: the RECEIPT means the server processed it (frames are processed in order). */
  private transmit(message: Outgoing): void {
    const { clientId } = message.body;
    const receipt = `msg-${clientId}`;
    this.client.watchForReceipt(receipt, () => {
      this.outbox.delete(clientId);
      this.listener.stored(clientId);
    });
    this.client.publishJson(message.destination, message.body, { receipt });
  }

  private connected(): void {
    const socket = this.client.webSocket as { transport?: string | null } | undefined;
    this.listener.state({ kind: 'connected', transport: socket?.transport ?? 'unknown' });
    // Whatever was written offline, or sent without a receipt before the connection dropped, goes now.
    // The server drops a duplicate by its clientId, so sending twice is harmless.
    for (const message of this.outbox.values()) this.transmit(message);
    this.ping();
    this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
  }

  /** Measures the round trip with a RECEIPT: SEND to a handler that does nothing, and time the answer. */
  private ping(): void {
    if (!this.client.connected) return;
    const receipt = `ping-${++this.lastPing}`;
    const sentAt = performance.now();
    this.client.watchForReceipt(receipt, () =>
      this.listener.roundTrip(Math.round(performance.now() - sentAt)),
    );
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
    let why = event.reason || `closed with code ${event.code}`;
    // A server older than Sockwire's CORS-readable refusals (or a proxy in front) may hide a 403 behind the
    // same network error as a server that is down: name both possibilities.
    if (this.server !== page && event.reason.startsWith('Cannot connect to server: /info')) {
      why = `cannot reach ${this.server}; if it is running, it may refuse this page's origin (${page}): ${allow}`;
    }
    this.listener.state({ kind: 'reconnecting', ...scheduled, why });
  }
}
