import { LIMITS } from '../../shared/protocol.js';
import type { Bubble, Conversation, Store } from '../store.js';
import { byId, h, longTime, setText, shortTime } from './dom.js';
import { syncList } from './keyed-list.js';

export interface ConversationActions {
  send(text: string): void;
  typing(typing: boolean): void;
  leave(): void;
  /** Send one of ours that failed again (its clientId). */
  retry(clientId: string): void;
}

const DELIVERY = {
  sending: { mark: '…', label: 'sending', title: 'Sending…' },
  sent: { mark: '✓', label: 'sent', title: 'The server has it' },
  failed: { mark: '!', label: 'not sent', title: 'Not sent' },
} as const;

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
  private readonly list = byId<HTMLOListElement>('messages');
  private readonly empty = byId<HTMLElement>('empty');
  private readonly typingLine = byId<HTMLElement>('typing');
  private readonly form = byId<HTMLFormElement>('composer');
  private readonly input = byId<HTMLTextAreaElement>('message');
  private readonly actions: ConversationActions;
  private shownKey: string | undefined;
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
      return;
    }
    const room = conversation.kind === 'room';
    setText(this.title, room ? `#${conversation.name}` : `@${conversation.name}`);
    setText(
      this.subtitle,
      room
        ? `${conversation.members.length} ${conversation.members.length === 1 ? 'person' : 'people'} here`
        : 'Private conversation',
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
  }

  focusComposer(): void {
    this.input.focus();
  }

  private renderMessages(store: Store, conversation: Conversation, switched: boolean): void {
    // Follow new messages only if the reader is at the bottom already; never yank them away from history.
    const { list } = this;
    const atBottom = switched || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const continued = new Set<string>();
    conversation.messages.forEach((bubble, index) => {
      const previous = conversation.messages[index - 1];
      if (previous && previous.from === bubble.from && bubble.at - previous.at < GROUP_MS)
        continued.add(bubble.key);
    });
    syncList(
      list,
      conversation.messages,
      (bubble) => `${bubble.from}\n${bubble.key}`,
      (bubble) => messageElement(bubble, bubble.from === store.me),
      (element, bubble) => {
        element.classList.toggle('continued', continued.has(bubble.key));
        element.dataset.delivery = bubble.delivery;
        const time = element.querySelector('time');
        if (time) {
          time.dateTime = new Date(bubble.at).toISOString();
          time.title = longTime(bubble.at);
          setText(time, shortTime(bubble.at));
        }
        const status = element.querySelector('.delivery');
        if (status) {
          const shown = DELIVERY[bubble.delivery];
          setText(status, shown.mark);
          status.setAttribute('aria-label', shown.label);
          status.setAttribute('title', shown.title);
        }
        const retry = element.querySelector<HTMLButtonElement>('button.retry');
        if (retry) retry.hidden = bubble.delivery !== 'failed';
      },
    );
    if (atBottom) list.scrollTop = list.scrollHeight;
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

function messageElement(bubble: Bubble, mine: boolean): HTMLElement {
  return h(
    'li',
    { class: mine ? 'message mine' : 'message' },
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'author' }, mine ? `${bubble.from} (you)` : bubble.from),
      h('time', {}),
    ),
    // textContent: the message is shown exactly as typed, markup and all, and never interpreted.
    h('p', { class: 'text' }, bubble.text),
    mine && h('span', { class: 'delivery', role: 'img' }),
    mine && retryButton(bubble.key),
  );
}

/** Shown under one of ours that failed; the list's click handler finds the message by its clientId. */
function retryButton(clientId: string): HTMLElement {
  const attributes = { class: 'retry link-button', type: 'button', hidden: true, 'data-client-id': clientId };
  return h('button', attributes, 'Retry');
}

function typingText(users: readonly string[]): string {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}
