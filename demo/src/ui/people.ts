import type { Store } from '../store.js';
import { avatar } from './avatar.js';
import { byId, h, setText } from './dom.js';
import { syncList } from './keyed-list.js';

/** Who is in the open room; picking someone opens a private conversation with them. */
export class PeopleView {
  private readonly panel = byId<HTMLElement>('people');
  private readonly heading = byId<HTMLElement>('people-heading');
  private readonly list = byId<HTMLUListElement>('member-list');
  private readonly count = byId<HTMLElement>('people-count');
  private readonly stale = byId<HTMLElement>('people-stale');

  constructor(onPick: (user: string) => void) {
    this.list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-user]');
      const user = button?.dataset.user;
      if (user !== undefined && !button?.disabled) onPick(user);
    });
  }

  render(store: Store): void {
    const conversation = store.current === undefined ? undefined : store.conversations.get(store.current);
    const room = conversation?.kind === 'room' ? conversation : undefined;
    this.panel.dataset.empty = String(room === undefined);
    const members = room?.members ?? [];
    setText(this.heading, room === undefined ? 'People' : `In #${room.name} (${members.length})`);
    setText(this.count, room === undefined ? '' : `(${members.length})`);
    const typing = new Set(room === undefined ? [] : store.typists(room));
    // Offline, the list is the last one we had: who is still there is unknown, and the dots say so.
    this.stale.hidden = room === undefined || store.online;
    this.panel.dataset.presence = store.online ? 'live' : 'unknown';
    syncList(
      this.list,
      members,
      (user) => user,
      (user) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'member', 'data-user': user },
            avatar(user, 'small'),
            h('span', { class: 'member-name' }, user === store.me ? `${user} (you)` : user),
            h('span', { class: 'member-typing', 'aria-hidden': 'true' }),
            // After the name, so a screen reader says "bob, online"; CSS draws it on the avatar.
            h('span', { class: 'presence-dot', role: 'img' }),
          ),
        ),
      (element, user) => {
        const button = element.firstElementChild as HTMLButtonElement;
        button.disabled = user === store.me;
        button.title = user === store.me ? 'You' : `Write to ${user} privately`;
        const dots = button.querySelector('.member-typing');
        if (dots) setText(dots, typing.has(user) ? '…' : '');
        const presence = button.querySelector<HTMLElement>('.presence-dot');
        if (presence) {
          presence.dataset.presence = store.online ? 'online' : 'unknown';
          presence.setAttribute(
            'aria-label',
            store.online ? 'online' : 'status unknown while you are offline',
          );
        }
      },
    );
  }
}
