import { StompSendError } from '@sockwire/client/stomp';
import { checkNickname, DEFAULT_ROOMS, STOMP_PATH } from '../shared/protocol.js';
import { ChatConnection, type ChatListener, type TransportChoice } from './chat-client.js';
import { type Conversation, describeCatchUp, dmKey, roomKey, Store } from './store.js';
import { ConversationView } from './ui/conversation.js';
import { byId, h } from './ui/dom.js';
import { LoginView } from './ui/login.js';
import { PeopleView } from './ui/people.js';
import { SidebarView } from './ui/sidebar.js';
import { StatusView } from './ui/status.js';
import { isTransportChoice } from './ui/transports.js';

/** What the page remembers between visits (localStorage), so a reload is back where it was. */
const saved = {
  get(name: string): string | null {
    try {
      return localStorage.getItem(`sockwire-chat.${name}`);
    } catch {
      return null; // storage disabled: the page still works, it just forgets
    }
  },
  set(name: string, value: string | null): void {
    try {
      if (value === null) localStorage.removeItem(`sockwire-chat.${name}`);
      else localStorage.setItem(`sockwire-chat.${name}`, value);
    } catch {
      // as above
    }
  },
};

/** This browser's key: proves to the server that a reconnect or another tab with our nickname is us. */
function browserKey(): string {
  let key = saved.get('key');
  if (key === null) {
    key = crypto.randomUUID();
    saved.set('key', key);
  }
  return key;
}

/** The transport to use: `?transport=xhr-polling` in the URL wins over the saved choice. */
function initialTransport(): TransportChoice {
  const fromUrl = new URLSearchParams(window.location.search).get('transport');
  if (isTransportChoice(fromUrl)) return fromUrl;
  const fromStorage = saved.get('transport');
  return isTransportChoice(fromStorage) ? fromStorage : 'auto';
}

/**
 * The chat server: the page's own origin, or another one given as `?server=http://host:port` (that server must
 * then list this page's origin in --allowed-origins).
 */
function chatServer(): string {
  const given = new URLSearchParams(window.location.search).get('server');
  if (given !== null) {
    try {
      const url = new URL(given);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
    } catch {
      // not a URL: use our own origin
    }
  }
  return window.location.origin;
}

function savedRooms(): string[] {
  try {
    const rooms: unknown = JSON.parse(saved.get('rooms') ?? 'null');
    if (Array.isArray(rooms) && rooms.every((r) => typeof r === 'string')) return rooms;
  } catch {
    // fall through to the default
  }
  return [DEFAULT_ROOMS[0]];
}

let nextClientId = 0;
/**
 * Unique per message, across reloads: it matches our bubble with the server's copy, and is the SEND's
 * idempotency key, so a message sent again (Retry) is posted once.
 */
const newClientId = () =>
  `${Date.now().toString(36)}-${(++nextClientId).toString(36)}-${crypto.randomUUID().slice(0, 8)}`;

/** Why a send failed, in words for its tooltip: the server's refusal, or the SDK's reason. */
function failureReason(error: unknown): string {
  if (error instanceof StompSendError) return `The server refused it: ${error.body.trim() || error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The chat page: one Store, one ChatConnection at a time, and the views. */
export class App {
  private readonly chat = byId<HTMLElement>('chat');
  private readonly login = new LoginView((nickname, transport) => this.signIn(nickname, transport));
  private readonly status: StatusView;
  private readonly sidebar: SidebarView;
  private readonly conversation: ConversationView;
  private readonly people: PeopleView;
  private store: Store | undefined;
  private connection: ChatConnection | undefined;
  private transport = initialTransport();
  private renderQueued = false;

  constructor() {
    this.status = new StatusView({
      transport: (choice) => this.switchTransport(choice),
      retry: () => this.retry(),
      signOut: () => void this.signOut(),
    });
    this.sidebar = new SidebarView({
      open: (key) => this.show(key),
      join: (room) => this.joinRoom(room),
    });
    this.conversation = new ConversationView({
      send: (text) => this.send(text),
      typing: (typing) => this.typing(typing),
      leave: () => this.leaveCurrent(),
      retry: (clientId) => this.retrySend(clientId),
      scrolled: () => this.updateAttention(),
    });
    this.people = new PeopleView((user) => this.openDirect(user));
    this.wireLayoutToggles();
    // A hidden tab does not read: what arrives meanwhile is unread, in the title and behind a "New messages" line.
    document.addEventListener('visibilitychange', () => this.updateAttention());
    // Typing indicators expire without any message arriving: look again every second.
    setInterval(() => this.render(), 1000);
  }

  start(): void {
    const nickname = saved.get('nickname');
    const checked = nickname === null ? undefined : checkNickname(nickname);
    if (checked?.ok) this.signIn(checked.value, this.transport);
    else this.login.show('', this.transport);
  }

  private signIn(nickname: string, transport: TransportChoice): void {
    saved.set('nickname', nickname);
    this.transport = transport;
    const store = new Store(nickname);
    this.store = store;
    store.subscribe(() => this.render());
    for (const room of savedRooms()) store.open(roomKey(room), 'room', room);
    const current = saved.get('current');
    store.select(
      current !== null && store.conversations.has(current) ? current : [...store.conversations.keys()][0],
    );
    this.login.hide();
    this.chat.hidden = false;
    this.status.start(nickname, transport, new URL(STOMP_PATH, chatServer()).href);
    this.updateAttention();
    this.connect();
    this.conversation.focusComposer();
  }

  /**
   * A new ChatConnection for the current store and transport; it re-joins every room we are in. Started
   * unless `start` is false (a transport switch starts it once the old one has stopped).
   */
  private connect(start = true): void {
    const store = this.store;
    if (store === undefined) return;
    // A catch-up of the previous connection, if one was under way, will not finish: drop it.
    store.caughtUp();
    // Events of a connection that was replaced (transport switch, sign-out) while it stops are ignored.
    const connection: ChatConnection = new ChatConnection(
      chatServer(),
      store.me,
      browserKey(),
      this.transport,
      this.listener(store, () => this.connection === connection),
    );
    this.connection = connection;
    for (const conversation of store.conversations.values()) {
      if (conversation.kind === 'room') connection.joinRoom(conversation.name);
    }
    if (start) connection.start();
  }

  /** Connection events go to the store (data) and the status view (connection state). */
  private listener(store: Store, live: () => boolean): ChatListener {
    return {
      state: (state) => {
        if (!live()) return;
        if (state.kind === 'connected') store.connectionRestarted();
        // Offline, who is in a room is unknown, and our sends wait.
        store.setOnline(state.kind === 'connected');
        if (state.kind === 'refused' && state.cause === 'nickname') {
          void this.signOut(state.message);
          return;
        }
        this.status.setState(state);
      },
      roundTrip: (ms) => live() && this.status.setRoundTrip(ms),
      roomList: (list) => live() && store.setRoomList(list),
      history: (history) => live() && store.history(history),
      roomMessage: (message) => live() && store.roomMessage(message),
      presence: (presence) => live() && store.presence(presence),
      typing: (event) => live() && store.typing(event),
      directMessage: (message) => live() && store.directMessage(message),
      notice: (notice) => live() && this.notify(notice.text),
      catchingUp: () => live() && store.catchingUp(),
      historyLost: (room) => live() && store.historyLost(room),
      caughtUp: () => live() && this.status.showCatchUp(describeCatchUp(store.caughtUp())),
    };
  }

  private async switchTransport(choice: TransportChoice): Promise<void> {
    this.transport = choice;
    saved.set('transport', choice);
    const old = this.connection;
    // Durable subscriptions belong to a client, so a new client re-joins the rooms (connect() does). It is
    // made before the old one stops, so that the messages the old one gives up on move to it (deliver()).
    this.connect(false);
    const next = this.connection;
    this.status.setState({ kind: 'connecting' });
    await old?.stop();
    if (this.connection === next) next?.start();
  }

  private retry(): void {
    if (this.connection === undefined) return;
    void this.connection.retryNow();
  }

  private async signOut(error = ''): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.store = undefined;
    saved.set('nickname', null);
    this.chat.hidden = true;
    this.login.show(connection?.nickname ?? '', this.transport, error);
    await connection?.stop();
  }

  private joinRoom(room: string): void {
    const store = this.store;
    if (store === undefined) return;
    store.open(roomKey(room), 'room', room);
    this.connection?.joinRoom(room);
    this.saveRooms();
    this.show(roomKey(room));
  }

  private openDirect(user: string): void {
    this.store?.open(dmKey(user), 'dm', user);
    this.show(dmKey(user));
  }

  private show(key: string): void {
    this.store?.select(key);
    saved.set('current', key);
    this.closePanels();
    this.conversation.focusComposer();
  }

  private leaveCurrent(): void {
    const store = this.store;
    const conversation = store?.current === undefined ? undefined : store.conversations.get(store.current);
    if (store === undefined || conversation === undefined) return;
    if (conversation.kind === 'room') this.connection?.leaveRoom(conversation.name);
    store.close(conversation.key);
    saved.set('current', store.current ?? null);
    this.saveRooms();
  }

  private send(text: string): void {
    const store = this.store;
    const conversation = store?.current === undefined ? undefined : store.conversations.get(store.current);
    if (store === undefined || conversation === undefined) return;
    const clientId = newClientId();
    // Shown at once as "sending"; the SDK keeps the SEND until the server confirms it, across reconnects.
    store.addOwn(conversation.key, clientId, text);
    this.deliver(store, conversation, clientId, text);
  }

  /** A failed message's "Retry": the same clientId, so if the server had it after all, it is not posted twice. */
  private retrySend(clientId: string): void {
    const store = this.store;
    const retried = store?.retry(clientId);
    if (store === undefined || retried === undefined) return;
    this.deliver(store, retried.conversation, clientId, retried.text);
  }

  /** send() on the current connection; its promise drives the bubble: "sent", or "failed" with a Retry. */
  private deliver(store: Store, conversation: Conversation, clientId: string, text: string): void {
    const connection = this.connection;
    if (connection === undefined) {
      store.failed(clientId);
      return;
    }
    const sent =
      conversation.kind === 'room'
        ? connection.postToRoom(conversation.name, text, clientId)
        : connection.sendDirect(conversation.name, text, clientId);
    sent.then(
      () => store.delivered(clientId),
      (error: unknown) => {
        if (this.store !== store) return; // signed out
        // Its connection was replaced (a transport switch stops the old client, which rejects what it did
        // not get confirmed): send it on the new one.
        if (this.connection !== connection && this.connection !== undefined)
          this.deliver(store, conversation, clientId, text);
        else store.failed(clientId, failureReason(error));
      },
    );
  }

  private typing(typing: boolean): void {
    const conversation =
      this.store?.current === undefined ? undefined : this.store.conversations.get(this.store.current);
    if (conversation?.kind === 'room') this.connection?.setTyping(conversation.name, typing);
  }

  private saveRooms(): void {
    const rooms = [...(this.store?.conversations.values() ?? [])]
      .filter((c) => c.kind === 'room')
      .map((c) => c.name);
    saved.set('rooms', JSON.stringify(rooms));
  }

  private notify(text: string): void {
    const area = byId('notices');
    const toast = h('p', { class: 'notice' }, text);
    area.append(toast);
    setTimeout(() => toast.remove(), 6000);
  }

  /** Renders on the next frame, once however many changes came in before it. */
  private render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      const store = this.store;
      if (store === undefined) return;
      this.sidebar.render(store);
      this.conversation.render(store);
      this.people.render(store);
      const unread = store.unreadTotal;
      document.title = unread > 0 ? `(${unread}) Sockwire chat` : 'Sockwire chat';
    });
  }

  /** Whether the reader sees the newest messages: the tab is visible and the list scrolled to the bottom. */
  private updateAttention(): void {
    this.store?.setAttentive(document.visibilityState === 'visible' && this.conversation.atBottom());
  }

  /**
   * Phone: the sidebar is a drawer behind the menu button. Narrow screens: the member list is a panel behind
   * "People". Opening one moves the focus into it; Escape, "Close" or picking something closes it.
   */
  private wireLayoutToggles(): void {
    const toggle = (
      button: HTMLButtonElement,
      panel: 'drawer' | 'people',
      first: () => HTMLElement | null,
    ) => {
      button.addEventListener('click', () => {
        const open = this.chat.dataset[panel] !== 'open';
        this.closePanels();
        this.chat.dataset[panel] = open ? 'open' : 'closed';
        button.setAttribute('aria-expanded', String(open));
        if (open) first()?.focus();
      });
    };
    toggle(byId('menu-button'), 'drawer', () => byId('sidebar').querySelector('button'));
    toggle(byId('people-button'), 'people', () => byId('people-close'));
    byId('people-close').addEventListener('click', () => {
      this.closePanels();
      byId('people-button').focus();
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.closePanels();
    });
  }

  private closePanels(): void {
    this.chat.dataset.drawer = 'closed';
    this.chat.dataset.people = 'closed';
    byId('menu-button').setAttribute('aria-expanded', 'false');
    byId('people-button').setAttribute('aria-expanded', 'false');
  }
}
