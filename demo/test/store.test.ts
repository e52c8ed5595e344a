import { describe, expect, it } from 'vitest';
import type { ChatMessage, DirectMessage } from '../shared/protocol.js';
import { describeCatchUp, roomKey, Store } from '../src/store.js';

/*
 * The page's state (src/store.ts) fed by hand, as ChatConnection feeds it: no connection, no DOM.
 */

let nextId = 0;
function said(from: string, text: string, clientId = `c-${text}`, at = 1000 + nextId): ChatMessage {
  return { id: `m${++nextId}`, room: 'general', from, text, at, clientId };
}

function inGeneral(me = 'ann'): Store {
  const store = new Store(me);
  store.open(roomKey('general'), 'room', 'general');
  store.select(roomKey('general'));
  return store;
}

const general = (store: Store) => store.conversations.get(roomKey('general'))?.messages ?? [];
const texts = (store: Store) => general(store).map((m) => `${m.from}:${m.text}:${m.delivery}`);

describe('store: our own messages follow their send()', () => {
  it('shown at once as sending; the send() resolving makes it sent', () => {
    const store = inGeneral();
    store.addOwn(roomKey('general'), 'k1', 'hello');
    expect(texts(store)).toEqual(['ann:hello:sending']);
    store.delivered('k1');
    expect(texts(store)).toEqual(['ann:hello:sent']);
  });

  it("the server's copy coming back updates the bubble instead of adding one", () => {
    const store = inGeneral();
    store.addOwn(roomKey('general'), 'k1', 'hello');
    const copy = said('ann', 'hello', 'k1', 42);
    store.roomMessage(copy);
    expect(texts(store)).toEqual(['ann:hello:sent']);
    expect(general(store)[0]).toMatchObject({ id: copy.id, at: 42 });
    // Its receipt after the copy changes nothing, nor does a late rejection (the server has it).
    store.delivered('k1');
    store.failed('k1');
    expect(texts(store)).toEqual(['ann:hello:sent']);
  });

  it('a rejected send() is failed; retry makes it sending again and says what to send where', () => {
    const store = inGeneral();
    store.addOwn(roomKey('general'), 'k1', 'hello');
    store.failed('k1', 'The server refused it: no');
    expect(texts(store)).toEqual(['ann:hello:failed']);
    expect(general(store)[0]?.error).toBe('The server refused it: no');
    const retried = store.retry('k1');
    expect(retried?.text).toBe('hello');
    expect(retried?.conversation.key).toBe(roomKey('general'));
    expect(texts(store)).toEqual(['ann:hello:sending']);
    expect(general(store)[0]?.error).toBeUndefined();
    // Only a failed message can be retried.
    expect(store.retry('k1')).toBeUndefined();
    expect(store.retry('unknown')).toBeUndefined();
  });

  it('the same clientId from someone else is another message', () => {
    const store = inGeneral();
    store.addOwn(roomKey('general'), 'k1', 'mine');
    store.roomMessage(said('bob', 'his', 'k1', Date.now() + 1000));
    expect(texts(store)).toEqual(['ann:mine:sending', 'bob:his:sent']);
  });

  it("a private message of ours comes back on /user/queue/dm and updates the bubble of the other's chat", () => {
    const store = new Store('ann');
    store.open('@bob', 'dm', 'bob');
    store.addOwn('@bob', 'd1', 'psst');
    const dm: DirectMessage = { id: 'x', from: 'ann', to: 'bob', text: 'psst', at: 5, clientId: 'd1' };
    store.directMessage(dm);
    expect(store.conversations.get('@bob')?.messages.map((m) => m.delivery)).toEqual(['sent']);
  });
});

describe('store: history', () => {
  it('skips what the live topic brought already (by server id), and is not counted unread', () => {
    const store = inGeneral();
    store.select(undefined);
    const early = said('bob', 'early', 'e', 10);
    const both = said('bob', 'both', 'b', 20);
    store.roomMessage(both); // live, before the history answer arrived
    store.history({ room: 'general', messages: [early, both] });
    expect(texts(store)).toEqual(['bob:early:sent', 'bob:both:sent']);
    expect(store.conversations.get(roomKey('general'))?.unread).toBe(1);
  });

  it('matches our bubble still sending with its copy in a reloaded history', () => {
    const store = inGeneral();
    store.addOwn(roomKey('general'), 'k1', 'mine');
    store.history({ room: 'general', messages: [said('ann', 'mine', 'k1')] });
    expect(texts(store)).toEqual(['ann:mine:sent']);
  });

  it('a live copy of what the history brought (the other order, as in a cluster) is not added twice', () => {
    const store = inGeneral();
    store.addOwn(roomKey('general'), 'k1', 'mine');
    const copy = said('ann', 'mine', 'k1');
    const his = said('bob', 'his');
    store.history({ room: 'general', messages: [copy, his] });
    store.roomMessage(copy);
    store.roomMessage(his);
    expect(texts(store)).toEqual(['ann:mine:sent', 'bob:his:sent']);
  });
});

describe('store: what a reconnect brought', () => {
  it('counts the new messages between catchingUp and caughtUp, not our own coming back', () => {
    const store = inGeneral();
    store.roomMessage(said('bob', 'before the cut'));
    store.addOwn(roomKey('general'), 'k1', 'written offline');
    store.catchingUp();
    for (const text of ['one', 'two', 'three']) store.roomMessage(said('bob', text));
    store.roomMessage(said('ann', 'written offline', 'k1'));
    const report = store.caughtUp();
    expect(report).toEqual({ recovered: 3, reloaded: [], directLost: false });
    expect(describeCatchUp(report)).toBe('Back online. 3 missed messages recovered.');
    // After it, messages are live ones again.
    store.roomMessage(said('bob', 'live'));
    expect(store.caughtUp().recovered).toBe(0);
    expect(texts(store)).toHaveLength(6);
  });

  it('a second reconnect before the first caught up goes on counting', () => {
    const store = inGeneral();
    store.catchingUp();
    store.roomMessage(said('bob', 'one'));
    store.catchingUp();
    store.roomMessage(said('bob', 'two'));
    expect(describeCatchUp(store.caughtUp())).toBe('Back online. 2 missed messages recovered.');
  });

  it('nothing missed: up to date; one: singular', () => {
    const store = inGeneral();
    store.catchingUp();
    expect(describeCatchUp(store.caughtUp())).toBe('Back online. Nothing was missed.');
    store.catchingUp();
    store.roomMessage(said('bob', 'one'));
    expect(describeCatchUp(store.caughtUp())).toBe('Back online. 1 missed message recovered.');
  });

  it('history lost: the rooms reloaded, once each, and private messages possibly missing', () => {
    const store = inGeneral();
    store.catchingUp();
    store.historyLost('general');
    store.historyLost('general');
    store.historyLost('random');
    store.historyLost(undefined);
    expect(describeCatchUp(store.caughtUp())).toBe(
      'Back online. The server no longer had what you missed in #general, #random: recent messages were reloaded. Private messages sent while you were away may be missing.',
    );
  });

  it('history lost starts a catch-up if none is under way', () => {
    const store = inGeneral();
    store.historyLost('general');
    store.history({ room: 'general', messages: [said('bob', 'kept by the server')] });
    expect(describeCatchUp(store.caughtUp())).toBe(
      'Back online. 1 missed message recovered. The server no longer had what you missed in #general: recent messages were reloaded.',
    );
  });
});

describe('store: unread messages and the "New messages" line', () => {
  const conversation = (store: Store, key = roomKey('general')) => {
    const found = store.conversations.get(key);
    if (found === undefined) throw new Error(`no ${key}`);
    return found;
  };

  it('the open conversation, read: nothing unread, no line', () => {
    const store = inGeneral();
    store.roomMessage(said('bob', 'seen'));
    expect(conversation(store).unread).toBe(0);
    expect(conversation(store).markerKey).toBeUndefined();
    expect(store.unreadTotal).toBe(0);
  });

  it('while the reader is away (tab hidden, scrolled up): unread, and the line above the first of them', () => {
    const store = inGeneral();
    store.roomMessage(said('bob', 'seen', 'c-seen'));
    store.setAttentive(false);
    store.roomMessage(said('bob', 'first unread', 'c-first'));
    store.roomMessage(said('carl', 'second unread', 'c-second'));
    // Ours, from another tab, is not unread.
    store.roomMessage(said('ann', 'mine from another tab', 'c-mine'));
    expect(conversation(store).unread).toBe(2);
    expect(store.unreadTotal).toBe(2);
    expect(conversation(store).markerKey).toBe('c-first');
    // Back: read, but the line stays to show where the new ones start...
    store.setAttentive(true);
    expect(store.unreadTotal).toBe(0);
    expect(conversation(store).markerKey).toBe('c-first');
    // ...until the reader replies.
    store.addOwn(roomKey('general'), 'k1', 'a reply');
    expect(conversation(store).markerKey).toBeUndefined();
  });

  it('another conversation: unread until opened; its line goes once the reader leaves it again', () => {
    const store = inGeneral();
    store.open(roomKey('random'), 'room', 'random');
    store.roomMessage({ ...said('bob', 'in random', 'c-random'), room: 'random' });
    expect(conversation(store, roomKey('random')).unread).toBe(1);
    store.select(roomKey('random'));
    expect(conversation(store, roomKey('random')).unread).toBe(0);
    expect(conversation(store, roomKey('random')).markerKey).toBe('c-random');
    store.select(roomKey('general'));
    expect(conversation(store, roomKey('random')).markerKey).toBeUndefined();
  });

  it('a new unread run after the last was read moves the line to it', () => {
    const store = inGeneral();
    store.setAttentive(false);
    store.roomMessage(said('bob', 'one', 'c-one'));
    store.setAttentive(true);
    store.setAttentive(false);
    store.roomMessage(said('bob', 'two', 'c-two'));
    expect(conversation(store).markerKey).toBe('c-two');
    expect(conversation(store).unread).toBe(1);
  });

  it('online is tracked for the views (presence unknown while offline)', () => {
    const store = inGeneral();
    let changes = 0;
    store.subscribe(() => changes++);
    expect(store.online).toBe(false);
    store.setOnline(true);
    store.setOnline(true);
    expect(store.online).toBe(true);
    expect(changes).toBe(1);
  });
});
