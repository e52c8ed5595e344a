import { LIMITS } from '../../shared/protocol.js';
import type { Bubble, Conversation, Store } from '../store.js';
import { avatar } from './avatar.js';
import { byId, dayKey, dayLabel, h, longTime, setText, shortTime } from './dom.js';
import { syncList } from './keyed-list.js';

export interface ConversationActions {
  send(text: string): void;
  typing(typing: boolean): void;
  leave(): void;
  /** Send one of ours that failed again (its clientId). */
  retry(clientId: string): void;
  /** The reader scrolled the messages (to the bottom, or away from it). */
  scrolled(): void;
}

/** Our own messages' states: a mark beside the time, and words while it is not simply sent. */
const DELIVERY = {
  sending: { mark: '…', label: 'sending' },
  sent: { mark: '✓', label: 'sent' },
  failed: { mark: '!', label: 'not sent' },
} as const;

/** One row of the message list: a day's heading, the "New messages" line, or a message. */
type Row =
  | { readonly kind: 'day'; readonly key: string; readonly at: number }
  | { readonly kind: 'new'; readonly key: string }
  | { readonly kind: 'message'; readonly key: string; readonly bubble: Bubble; readonly continued: boolean };

/** Resend "typing" this often while the user keeps typing; receivers expire it after LIMITS.typingTtl. */
const TYPING_REFRESH_MS = LIMITS.typingTtl / 2;
/** Messages by the same author this close together share one header. */
const GROUP_MS = 5 * 60_000;

/** The open conversation: its messages, who is typing, and the composer. */
export class ConversationView {
  private readonly section = byId<HTMLElement>('conversation');
  private readonly title = byId<HTMLElement>('conversation-title');
  private readonly subtitle = byId<HTMLElement>('conversation-sub');
  private readonly leave = byId<HTMLButtonElement>('leave');
  /** The scrolling log around the list (the list itself is a plain list, for its items' sake). */
  private readonly scroller = byId<HTMLElement>('message-scroller');
  private readonly list = byId<HTMLOListElement>('messages');
  private readonly empty = byId<HTMLElement>('empty');
  private readonly typingLine = byId<HTMLElement>('typing');
  private readonly form = byId<HTMLFormElement>('composer');
  private readonly input = byId<HTMLTextAreaElement>('message');
  private readonly jump = byId<HTMLButtonElement>('jump');
  private readonly actions: ConversationActions;
  private shownKey: string | undefined;
  /** Whether the list sits at its bottom (the newest message), so that it stays there when its box shrinks. */
  private stuckToBottom = true;
  private typingSentAt = 0;

  constructor(actions: ConversationActions) {
    this.actions = actions;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter is a new line; an IME composing a character keeps its Enter.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => {
      this.fitInput();
      if (this.input.value.trim() === '') return this.stopTyping();
      if (Date.now() - this.typingSentAt > TYPING_REFRESH_MS) {
        this.typingSentAt = Date.now();
        actions.typing(true);
      }
    });
    this.input.addEventListener('blur', () => this.stopTyping());
    this.leave.addEventListener('click', () => actions.leave());
    this.list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLElement>('button.retry');
      const clientId = button?.dataset.clientId;
      if (clientId !== undefined) actions.retry(clientId);
    });
    this.scroller.addEventListener(
      'scroll',
      () => {
        this.stuckToBottom = this.atBottom();
        actions.scrolled();
      },
      { passive: true },
    );
    // A banner appearing above (or the keyboard on a phone) makes the list shorter: keep the newest in view.
    new ResizeObserver(() => {
      if (this.stuckToBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
    }).observe(this.scroller);
    this.jump.addEventListener('click', () => {
      this.scroller.scrollTop = this.scroller.scrollHeight;
      actions.scrolled();
    });
  }

  /** Whether the newest messages are in view (a few pixels short of the bottom still counts). */
  atBottom(): boolean {
    const { scroller } = this;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  }

  render(store: Store): void {
    const conversation = store.current === undefined ? undefined : store.conversations.get(store.current);
    const switched = conversation?.key !== this.shownKey;
    if (switched) this.stopTyping();
    this.shownKey = conversation?.key;
    this.section.dataset.kind = conversation?.kind ?? 'none';
    this.form.hidden = conversation === undefined;
    this.leave.hidden = conversation === undefined;
    if (conversation === undefined) {
      setText(this.title, 'No conversation');
      setText(this.subtitle, '');
      this.list.replaceChildren();
      this.showEmpty('Join a room from the list, or create one, to start chatting.');
      setText(this.typingLine, '');
      this.jump.hidden = true;
      return;
    }
    const room = conversation.kind === 'room';
    setText(this.title, room ? `#${conversation.name}` : `@${conversation.name}`);
    const people = conversation.members.length;
    setText(
      this.subtitle,
      !room
        ? 'Private conversation'
        : store.online
          ? `${people} ${people === 1 ? 'person' : 'people'} here`
          : 'Offline: who is here is unknown',
    );
    setText(this.leave, room ? 'Leave room' : 'Close');
    this.input.placeholder = room
      ? `Message #${conversation.name}`
      : `Message ${conversation.name} privately`;
    this.renderMessages(store, conversation, switched);
    if (conversation.messages.length === 0) {
      this.showEmpty(
        room
          ? `No messages in #${conversation.name} yet. Say hello!`
          : `This is the start of your private conversation with ${conversation.name}.`,
      );
    } else this.empty.hidden = true;
    setText(this.typingLine, typingText(store.typists(conversation)));
    // Scrolled up while messages arrived: say how many, and offer the way down.
    const unread = conversation.unread;
    this.jump.hidden = unread === 0 || this.atBottom();
    setText(this.jump, `↓ ${unread} new ${unread === 1 ? 'message' : 'messages'}`);
  }

  focusComposer(): void {
    this.input.focus();
  }

  private renderMessages(store: Store, conversation: Conversation, switched: boolean): void {
    // Follow new messages only if the reader is at the bottom already; never yank them away from history.
    const { list, scroller } = this;
    const follow = switched || this.atBottom();
    syncList(
      list,
      rowsOf(conversation),
      (row) => row.key,
      (row) => rowElement(row, store.me),
      (element, row) => {
        if (row.kind === 'day') setText(element.querySelector('.day-label') ?? element, dayLabel(row.at));
        if (row.kind === 'message') updateMessage(element, row, store.online);
      },
    );
    if (!follow) return;
    scroller.scrollTop = scroller.scrollHeight;
    this.stuckToBottom = true;
    // Opening a conversation with unread messages: show the first of them rather than the last.
    const marker = switched ? list.querySelector<HTMLElement>('.new-marker') : null;
    if (marker !== null) {
      const above = marker.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
      if (above < 0) scroller.scrollTop += above - 8;
    }
  }

  private showEmpty(text: string): void {
    setText(this.empty, text);
    this.empty.hidden = false;
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (text === '') return;
    this.actions.send(text);
    this.input.value = '';
    this.fitInput();
    this.stopTyping();
  }

  private stopTyping(): void {
    if (this.typingSentAt === 0) return;
    this.typingSentAt = 0;
    this.actions.typing(false);
  }

  /** Grows the composer with its text, up to the CSS max-height, where it starts to scroll. */
  private fitInput(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${this.input.scrollHeight}px`;
  }
}

/** The list's rows: a heading at each new day, the "New messages" line above the first unread, the messages. */
function rowsOf(conversation: Conversation): Row[] {
  const rows: Row[] = [];
  let day = '';
  let previous: Bubble | undefined;
  for (const bubble of conversation.messages) {
    const thisDay = dayKey(bubble.at);
    let grouped =
      previous !== undefined && previous.from === bubble.from && bubble.at - previous.at < GROUP_MS;
    if (thisDay !== day) {
      rows.push({ kind: 'day', key: `day:${thisDay}`, at: bubble.at });
      day = thisDay;
      grouped = false;
    }
    if (bubble.key === conversation.markerKey) {
      rows.push({ kind: 'new', key: 'new-messages' });
      grouped = false;
    }
    rows.push({ kind: 'message', key: `${bubble.from}\n${bubble.key}`, bubble, continued: grouped });
    previous = bubble;
  }
  return rows;
}

function rowElement(row: Row, me: string): HTMLElement {
  switch (row.kind) {
    // A heading in its own item: a screen reader can jump from day to day.
    case 'day':
      return h('li', { class: 'day-separator' }, h('h3', { class: 'day-label' }));
    case 'new':
      return h('li', { class: 'new-marker' }, h('span', { class: 'new-marker-label' }, 'New messages'));
    case 'message':
      return messageElement(row.bubble, row.bubble.from === me);
  }
}

function messageElement(bubble: Bubble, mine: boolean): HTMLElement {
  return h(
    'li',
    { class: mine ? 'message mine' : 'message' },
    !mine && avatar(bubble.from),
    h(
      'div',
      { class: 'bubble' },
      h('div', { class: 'meta' }, h('span', { class: 'author' }, mine ? 'You' : bubble.from), h('time', {})),
      // textContent: the message is shown exactly as typed, markup and all, and never interpreted.
      h('p', { class: 'text' }, bubble.text),
      mine &&
        h(
          'div',
          { class: 'delivery-line' },
          h('span', { class: 'delivery', role: 'img' }),
          h('span', { class: 'delivery-text' }),
          retryButton(bubble),
        ),
    ),
  );
}

function updateMessage(element: HTMLElement, row: Extract<Row, { kind: 'message' }>, online: boolean): void {
  const { bubble } = row;
  element.classList.toggle('continued', row.continued);
  element.dataset.delivery = bubble.delivery;
  const time = element.querySelector('time');
  if (time) {
    time.dateTime = new Date(bubble.at).toISOString();
    time.title = longTime(bubble.at);
    setText(time, shortTime(bubble.at));
  }
  const mark = element.querySelector('.delivery');
  if (mark) {
    const shown = DELIVERY[bubble.delivery];
    setText(mark, shown.mark);
    mark.setAttribute('aria-label', shown.label);
  }
  const words = element.querySelector<HTMLElement>('.delivery-text');
  if (words) {
    const text =
      bubble.delivery === 'sending'
        ? online
          ? 'Sending…'
          : 'Waiting for the connection…'
        : bubble.delivery === 'failed'
          ? 'Not sent'
          : '';
    setText(words, text);
    // Why it failed, for those who want to know (the server's refusal, or the SDK's reason).
    if (bubble.error === undefined) words.removeAttribute('title');
    else words.title = bubble.error;
  }
  const retry = element.querySelector<HTMLButtonElement>('button.retry');
  if (retry) retry.hidden = bubble.delivery !== 'failed';
}

/** Shown beside one of ours that failed; the list's click handler finds the message by its clientId. */
function retryButton(bubble: Bubble): HTMLElement {
  const shortText = bubble.text.length > 40 ? `${bubble.text.slice(0, 40)}…` : bubble.text;
  const attributes = {
    class: 'retry',
    type: 'button',
    hidden: true,
    'data-client-id': bubble.key,
    'aria-label': `Retry sending “${shortText}”`,
  };
  return h('button', attributes, 'Retry');
}

function typingText(users: readonly string[]): string {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}
