import type { StompFrame } from '@sockwire/server';
import { describe, expect, it } from 'vitest';
import { createChatBroker } from '../server/chat-broker.js';
import {
  type ChatMessage,
  type DirectMessage,
  destinations,
  LIMITS,
  type Notice,
  type Presence,
  type RoomHistory,
  type RoomList,
  type TypingEvent,
} from '../shared/protocol.js';
import { FakeClient, header } from './support/fake-client.js';

/** The chat broker with presence published at once (no coalescing delay) and predictable ids and times. */
function setup() {
  let id = 0;
  const chat = createChatBroker({
    schedule: (task) => task(),
    now: () => 1_700_000_000_000,
    newId: () => `m${++id}`,
  });
  const client = (login?: string, passcode?: string) => {
    const c = new FakeClient(chat.stomp);
    if (login !== undefined) c.connect(login, passcode);
    return c;
  };
  return { chat, client };
}

/** Subscribes as the page does when it enters a room. */
function enter(c: FakeClient, room: string): void {
  c.subscribe(destinations.roomPresence(room));
  c.subscribe(destinations.roomTyping(room));
  c.subscribe(destinations.roomMessages(room));
}

describe('chat broker: who may connect (fake connection)', () => {
  it('the CONNECT login is the nickname, trimmed', () => {
    const { client } = setup();
    const frame = client().connect('  ana  ');
    expect([frame?.command, header(frame, 'user-name')]).toEqual(['CONNECTED', 'ana']);
  });

  it.each([
    ['', 'Pick a nickname.'],
    ['two words', 'Letters, digits, "_", "." and "-" only.'],
    ['<b>x</b>', 'Letters, digits, "_", "." and "-" only.'],
    ['x'.repeat(LIMITS.nickname + 1), `At most ${LIMITS.nickname} characters.`],
  ])('refuses %j: %s', (login, reason) => {
    const { client } = setup();
    const c = client();
    const frame = c.connect(login);
    expect([frame?.command, header(frame, 'message'), frame?.body]).toEqual([
      'ERROR',
      'Authentication failed',
      reason,
    ]);
    expect(c.connection.closed?.code).toBe(1008);
  });

  it('a nickname in use by another browser is refused, case-insensitively; the same browser (key) gets in', () => {
    const { client } = setup();
    client('bob', 'key-1');
    const intruder = client();
    expect(intruder.connect('BOB', 'key-2')?.body).toBe('The nickname "BOB" is in use. Pick another one.');
    const secondTab = client();
    expect(secondTab.connect('bob', 'key-1')?.command).toBe('CONNECTED');
  });

  it('the nickname is free again once its last session is gone', () => {
    const { client } = setup();
    const first = client('bob', 'key-1');
    const tab = client('bob', 'key-1');
    first.drop();
    expect(client().connect('bob', 'key-2')?.command).toBe('ERROR');
    tab.drop();
    expect(client().connect('bob', 'key-2')?.command).toBe('CONNECTED');
  });

  it.each([
    ['SEND', '/topic/rooms/general/messages'],
    ['SEND', '/user/bob/queue/dm'],
    ['SUBSCRIBE', '/topic/elsewhere'],
    ['SUBSCRIBE', '/topic/rooms/NOT_A_ROOM/messages'],
  ])('only /app is writable and only chat topics readable: %s %s is denied', (command, destination) => {
    const { client } = setup();
    const c = client('eve');
    c.send(command, { destination, id: 's' }, command === 'SEND' ? '{"text":"forged","clientId":"x"}' : '');
    expect(header(c.take()[0], 'message')).toBe('Access denied');
  });
});

describe('chat broker: rooms and presence (fake connection)', () => {
  it('the room list: a snapshot on subscribe, then updates as people come and go', () => {
    const { client } = setup();
    const alice = client('alice');
    alice.subscribe(destinations.roomListUpdates);
    alice.subscribe(destinations.roomList);
    const [snapshot] = alice.messages<RoomList>(destinations.roomList);
    expect(snapshot?.rooms).toEqual([
      { name: 'general', members: 0 },
      { name: 'random', members: 0 },
    ]);
    enter(alice, 'general');
    const updates = alice.messages<RoomList>(destinations.roomListUpdates);
    expect(updates.at(-1)?.rooms[0]).toEqual({ name: 'general', members: 1 });
    expect(updates.at(-1)?.version).toBeGreaterThan(snapshot?.version ?? Infinity);
  });

  it('entering a room that does not exist creates it', async () => {
    const { chat, client } = setup();
    enter(client('alice'), 'new-room');
    expect((await chat.store.listRooms()).rooms.map((r) => r.name)).toContain('new-room');
  });

  it('presence: joins, a second tab of the same user, leaving, and a lost connection', () => {
    const { client } = setup();
    const alice = client('alice');
    enter(alice, 'general');
    const bob = client('bob');
    enter(bob, 'general');
    const users = () => alice.messages<Presence>(destinations.roomPresence('general')).at(-1)?.users;
    expect(users()).toEqual(['alice', 'bob']);
    const bobTab = client('bob');
    enter(bobTab, 'general');
    expect(users()).toEqual(['alice', 'bob']);
    bob.drop();
    alice.take();
    bobTab.send('UNSUBSCRIBE', { id: 'sub-3' });
    expect(users()).toEqual(['alice']);
  });

  it('the newcomer gets the presence list even when joining changes nothing (a reconnect overlapping its old session)', () => {
    const { client } = setup();
    enter(client('alice', 'k'), 'general');
    const again = client('alice', 'k');
    enter(again, 'general');
    expect(again.messages<Presence>(destinations.roomPresence('general')).at(-1)?.users).toEqual(['alice']);
  });
});

describe('chat broker: messages (fake connection)', () => {
  it('a post is stamped by the server (author, time, id), published to the room, and receipted', () => {
    const { client } = setup();
    const alice = client('alice');
    const bob = client('bob');
    enter(alice, 'general');
    enter(bob, 'general');
    bob.take();
    alice.take();
    alice.sendJson(
      destinations.postToRoom('general'),
      { text: '  hi <b>all</b> ', clientId: 'c1', from: 'mallory' },
      { receipt: 'r1' },
    );
    const frames = alice.take();
    expect(frames.map((f) => f.command)).toEqual(['MESSAGE', 'RECEIPT']);
    const expected: ChatMessage = {
      id: 'm1',
      room: 'general',
      from: 'alice',
      text: 'hi <b>all</b>',
      at: 1_700_000_000_000,
      clientId: 'c1',
    };
    expect(JSON.parse(frames[0]?.body ?? '')).toEqual(expected);
    expect(bob.messages<ChatMessage>(destinations.roomMessages('general'))).toEqual([expected]);
  });

  it('a message re-sent with the same clientId (its receipt was lost) is receipted but not posted twice', () => {
    const { client } = setup();
    const alice = client('alice');
    enter(alice, 'general');
    alice.take();
    alice.sendJson(destinations.postToRoom('general'), { text: 'once', clientId: 'same' });
    alice.sendJson(
      destinations.postToRoom('general'),
      { text: 'once', clientId: 'same' },
      { receipt: 'again' },
    );
    expect(alice.take().map((f) => f.command)).toEqual(['MESSAGE', 'RECEIPT']);
  });

  it("a SEND repeated with the page's x-idempotency-key (the SDK's resend) runs the handler once", () => {
    const { client } = setup();
    const alice = client('alice');
    enter(alice, 'general');
    alice.take();
    const to = destinations.postToRoom('general');
    alice.sendJson(to, { text: 'once', clientId: 'c1' }, { 'x-idempotency-key': 'c1', receipt: 'a' });
    // Another clientId in the body: only the key can tell that this is the same message again.
    alice.sendJson(to, { text: 'once', clientId: 'c2' }, { 'x-idempotency-key': 'c1', receipt: 'b' });
    const frames = alice.take();
    expect(frames.map((f) => [f.command, header(f, 'receipt-id')])).toEqual([
      ['MESSAGE', undefined],
      ['RECEIPT', 'a'],
      ['RECEIPT', 'b'],
    ]);
  });

  it("a room's messages carry stream positions; resuming from one replays what was missed, once", () => {
    const { client } = setup();
    const alice = client('alice');
    const bob = client('bob');
    enter(bob, 'general');
    alice.send('SUBSCRIBE', { id: 'm', destination: destinations.roomMessages('general') });
    const to = destinations.postToRoom('general');
    const post = (text: string) => bob.sendJson(to, { text, clientId: text }, { 'x-idempotency-key': text });
    post('seen');
    const [seen] = alice.take().filter((f) => f.command === 'MESSAGE');
    const epoch = header(seen, 'x-stream-epoch') ?? '';
    expect([header(seen, 'x-stream-offset'), epoch]).toEqual(['0', expect.any(String)]);
    alice.drop();
    post('missed 1');
    post('missed 2');
    const back = client('alice');
    back.send('SUBSCRIBE', {
      id: 'm',
      destination: destinations.roomMessages('general'),
      'x-stream-offset': 'offset=1',
      'x-stream-epoch': epoch,
    });
    post('live');
    const replayed = back.take().filter((f) => f.command === 'MESSAGE');
    const text = (f: StompFrame) => (JSON.parse(f.body) as ChatMessage).text;
    expect(replayed.map((f) => [header(f, 'x-stream-offset'), text(f)])).toEqual([
      ['1', 'missed 1'],
      ['2', 'missed 2'],
      ['3', 'live'],
    ]);
  });

  it('history: a newcomer gets the last messages, at most LIMITS.history', () => {
    const { client } = setup();
    const alice = client('alice');
    enter(alice, 'general');
    for (let i = 0; i < LIMITS.history + 5; i++)
      alice.sendJson(destinations.postToRoom('general'), { text: `n${i}`, clientId: `c${i}` });
    const bob = client('bob');
    bob.subscribe(destinations.roomHistory('general'));
    const [history] = bob.messages<RoomHistory>(destinations.roomHistory('general'));
    expect(history?.messages).toHaveLength(LIMITS.history);
    expect(history?.messages[0]?.text).toBe('n5');
  });

  it.each([
    ['not in the room', undefined, 'Join #random before writing there.'],
    ['empty', '   ', 'Empty message.'],
    ['too long', 'x'.repeat(LIMITS.text + 1), `At most ${LIMITS.text} characters.`],
  ])('a refused post (%s) gets a private notice and keeps the session', (_case, text, reason) => {
    const { client } = setup();
    const alice = client('alice');
    alice.subscribe(destinations.myNotices);
    const room = text === undefined ? 'random' : 'general';
    if (text !== undefined) enter(alice, 'general');
    alice.take();
    alice.sendJson(destinations.postToRoom(room), { text: text ?? 'hi', clientId: 'c' }, { receipt: 'r' });
    const frames = alice.take();
    expect(frames.map((f) => f.command)).toEqual(['MESSAGE', 'RECEIPT']);
    expect(JSON.parse(frames[0]?.body ?? '') as Notice).toEqual({ text: reason });
    expect(alice.connection.closed).toBeUndefined();
  });

  it('typing is relayed with the server-known user', () => {
    const { client } = setup();
    const alice = client('alice');
    const bob = client('bob');
    enter(alice, 'general');
    enter(bob, 'general');
    alice.take();
    bob.sendJson(destinations.typing('general'), { typing: true, user: 'mallory' });
    const expected: TypingEvent = { room: 'general', user: 'bob', typing: true };
    expect(alice.messages<TypingEvent>(destinations.roomTyping('general'))).toEqual([expected]);
  });

  it('a private message reaches every session of both users, and nobody else', async () => {
    const { client } = setup();
    const [alice, aliceTab, bob, carol] = [
      client('alice', 'a'),
      client('alice', 'a'),
      client('zoë'),
      client('carol'),
    ];
    for (const c of [alice, aliceTab, bob, carol]) c.subscribe(destinations.myDirectMessages);
    alice.sendJson(destinations.directMessage('zoë'), { text: 'psst', clientId: 'd1' }, { receipt: 'r' });
    // The handler awaits both deliveries before the RECEIPT goes out.
    await new Promise((resolve) => setImmediate(resolve));
    const expected: DirectMessage = {
      id: 'm1',
      from: 'alice',
      to: 'zoë',
      text: 'psst',
      at: 1_700_000_000_000,
      clientId: 'd1',
    };
    expect(alice.take().map((f) => f.command)).toEqual(['MESSAGE', 'RECEIPT']);
    expect(aliceTab.messages<DirectMessage>('/user/queue/dm')).toEqual([expected]);
    expect(bob.messages<DirectMessage>('/user/queue/dm')).toEqual([expected]);
    expect(carol.take()).toEqual([]);
  });

  it('a private message to someone offline is not delivered, and the sender is told', () => {
    const { client } = setup();
    const alice = client('alice');
    alice.subscribe(destinations.myNotices);
    alice.sendJson(destinations.directMessage('ghost'), { text: 'hello?', clientId: 'd' });
    expect(alice.messages<Notice>('/user/queue/notices')).toEqual([
      { text: 'ghost is not online: the message was not delivered.' },
    ]);
  });

  it('ping: a receipt and nothing else', () => {
    const { client } = setup();
    const alice = client('alice');
    alice.send('SEND', { destination: destinations.ping, receipt: 'p1' });
    const frames = alice.take();
    expect(frames.map((f) => [f.command, header(f, 'receipt-id')])).toEqual([['RECEIPT', 'p1']]);
  });
});
