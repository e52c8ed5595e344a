import { checkRoomName } from '../../shared/protocol.js';
import { dmKey, roomKey, type Store } from '../store.js';
import { avatar } from './avatar.js';
import { byId, h, replace, setText } from './dom.js';
import { syncList } from './keyed-list.js';

export interface SidebarActions {
  /** Show a conversation we are in. */
  open(key: string): void;
  /** Join (or create) a room and show it. */
  join(room: string): void;
}

interface Entry {
  readonly key: string;
  readonly label: string;
  readonly joined: boolean;
  readonly members: number | undefined;
  readonly unread: number;
}

/** Rooms (all of them, ours first-class), the join/create form, and private conversations. */
export class SidebarView {
  private readonly rooms = byId<HTMLUListElement>('room-list');
  private readonly dms = byId<HTMLUListElement>('dm-list');
  private readonly dmEmpty = byId<HTMLElement>('dm-empty');
  private readonly form = byId<HTMLFormElement>('room-form');
  private readonly input = byId<HTMLInputElement>('room-name');
  private readonly error = byId<HTMLElement>('room-error');
  private readonly actions: SidebarActions;

  constructor(actions: SidebarActions) {
    this.actions = actions;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = checkRoomName(this.input.value);
      if (!checked.ok) {
        setText(this.error, checked.reason);
        return;
      }
      this.input.value = '';
      setText(this.error, '');
      actions.join(checked.value);
    });
    this.input.addEventListener('input', () => setText(this.error, ''));
  }

  render(store: Store): void {
    const rooms: Entry[] = store.rooms.map((room) => {
      const conversation = store.conversations.get(roomKey(room.name));
      return {
        key: roomKey(room.name),
        label: room.name,
        joined: conversation !== undefined,
        members: room.members,
        unread: conversation?.unread ?? 0,
      };
    });
    // A room we are in but the list does not show yet (just created, the update is on its way).
    for (const conversation of store.conversations.values()) {
      if (conversation.kind === 'room' && !rooms.some((r) => r.key === conversation.key)) {
        rooms.push({
          key: conversation.key,
          label: conversation.name,
          joined: true,
          members: undefined,
          unread: 0,
        });
      }
    }
    const dms: Entry[] = [...store.conversations.values()]
      .filter((c) => c.kind === 'dm')
      .map((c) => ({
        key: dmKey(c.name),
        label: c.name,
        joined: true,
        members: undefined,
        unread: c.unread,
      }));
    this.sync(this.rooms, rooms, store.current, '#');
    this.sync(this.dms, dms, store.current, '@');
    this.dmEmpty.hidden = dms.length > 0;
  }

  private sync(
    list: HTMLUListElement,
    entries: readonly Entry[],
    current: string | undefined,
    sigil: string,
  ): void {
    syncList(
      list,
      entries,
      (entry) => entry.key,
      (entry) => {
        const button = h(
          'button',
          { type: 'button', class: 'nav-item' },
          // A person has their avatar; a room its "#".
          sigil === '@'
            ? avatar(entry.label, 'small')
            : h('span', { class: 'sigil', 'aria-hidden': 'true' }, sigil),
          h('span', { class: 'nav-label' }),
          // Bare numbers for the eyes, with words for screen readers: "general, 2 people, 1 unread".
          h('span', { class: 'nav-count' }),
          h('span', { class: 'nav-unread' }),
          h('span', { class: 'visually-hidden' }),
        );
        button.addEventListener('click', () => {
          const { key, joined } = button.dataset;
          if (key === undefined) return;
          if (joined === 'true') this.actions.open(key);
          else this.actions.join(key.slice(1));
        });
        return h('li', {}, button);
      },
      (element, entry) => {
        const button = element.firstElementChild as HTMLButtonElement;
        const [, label, count, unread, state] = button.children;
        button.dataset.key = entry.key;
        button.dataset.joined = String(entry.joined);
        if (entry.key === current) button.setAttribute('aria-current', 'page');
        else button.removeAttribute('aria-current');
        // The name is the visible text (an aria-label of other words would hide what sighted users read).
        if (label) setText(label, entry.label);
        if (count) setNumber(count, entry.members, entry.members === 1 ? 'person' : 'people');
        if (unread) setNumber(unread, entry.unread > 0 ? entry.unread : undefined, 'unread');
        if (state) setText(state, sigil === '#' && !entry.joined ? ', not joined' : '');
      },
    );
  }
}

/** A bare number, read as ", 3 people" (the words are visually hidden); nothing when undefined. */
function setNumber(element: Element, value: number | undefined, words: string): void {
  const text = value === undefined ? '' : `, ${value} ${words}`;
  if (element.getAttribute('data-spoken') === text) return;
  element.setAttribute('data-spoken', text);
  if (value === undefined) element.replaceChildren();
  else
    replace(
      element,
      h('span', { class: 'visually-hidden' }, ', '),
      String(value),
      h('span', { class: 'visually-hidden' }, ` ${words}`),
    );
}
