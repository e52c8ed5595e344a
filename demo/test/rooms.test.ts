import { describe, expect, it } from 'vitest';
import { Nicknames } from '../server/nicknames.js';
import { Rooms } from '../server/rooms.js';
import { checkNickname, checkRoomName, checkText, LIMITS } from '../shared/protocol.js';

const message = (text: string, clientId = text, from = 'ann') => ({
  id: `id-${text}`,
  room: 'general',
  from,
  text,
  at: 1,
  clientId,
});

describe('Rooms', () => {
  it('counts users, not subscriptions, and says when the user list changed', () => {
    const rooms = new Rooms(['general']);
    expect(rooms.join('general', 's1/a', 'ann')).toBe(true);
    expect(rooms.join('general', 's2/a', 'ann')).toBe(false); // a second tab
    expect(rooms.join('general', 's3/a', 'bob')).toBe(true);
    expect(rooms.presence('general').users).toEqual(['ann', 'bob']);
    expect(rooms.leave('general', 's1/a')).toBe(false);
    expect(rooms.leave('general', 's2/a')).toBe(true);
    expect(rooms.leave('general', 's2/a')).toBe(false);
    expect(rooms.list().rooms).toEqual([{ name: 'general', members: 1 }]);
  });

  it('presence and list versions grow with every change', () => {
    const rooms = new Rooms(['general']);
    const list = rooms.list().version;
    rooms.join('general', 'k', 'ann');
    expect(rooms.presence('general').version).toBe(1);
    expect(rooms.list().version).toBe(list + 1);
  });

  it('keeps the last LIMITS.history messages and forgets their clientIds as they go', () => {
    const rooms = new Rooms(['general']);
    for (let i = 0; i <= LIMITS.history; i++) rooms.post(message(`m${i}`));
    expect(rooms.history('general')).toHaveLength(LIMITS.history);
    expect(rooms.post(message('m0'))).toBe(true); // m0 fell out: its clientId may come again
    expect(rooms.post(message('m2'))).toBe(false);
    expect(rooms.post(message('m2', 'm2', 'bob'))).toBe(true); // clientIds are per sender
  });

  it('stops creating rooms at LIMITS.rooms', () => {
    const rooms = new Rooms([]);
    for (let i = 0; i < LIMITS.rooms; i++) expect(rooms.create(`r${i}`)).toBe(true);
    expect(rooms.create('one-more')).toBe(false);
    expect(rooms.full).toBe(true);
  });

  it('a message to an unknown room is not kept', () => {
    expect(new Rooms([]).post(message('x'))).toBe(false);
  });
});

describe('Nicknames', () => {
  it('holds a name for its key while the user is online', () => {
    const online = new Set<string>();
    const names = new Nicknames((name) => online.has(name));
    expect(names.claim('Ann', 'k1')).toBe(true);
    online.add('Ann');
    expect(names.claim('ann', 'k2')).toBe(false);
    expect(names.claim('ANN', 'k1')).toBe(true);
    online.delete('Ann');
    names.release('Ann');
    expect(names.claim('ann', 'k2')).toBe(true);
  });

  it('a hold whose user never came online is not binding', () => {
    const names = new Nicknames(() => false);
    names.claim('ann', 'k1');
    expect(names.claim('ann', 'k2')).toBe(true);
  });
});

describe('validation shared by page and server', () => {
  it('nicknames: any script, no spaces or markup', () => {
    expect(checkNickname(' zoë_1.x-y ')).toEqual({ ok: true, value: 'zoë_1.x-y' });
    expect(checkNickname('李雷')).toEqual({ ok: true, value: '李雷' });
    expect(checkNickname('a b').ok).toBe(false);
    expect(checkNickname('<script>').ok).toBe(false);
    expect(checkNickname('😀').ok).toBe(false);
  });

  it('room names are normalized', () => {
    expect(checkRoomName('  Design Team ')).toEqual({ ok: true, value: 'design-team' });
    expect(checkRoomName('-x').ok).toBe(false);
    expect(checkRoomName('a/b').ok).toBe(false);
    expect(checkRoomName('x'.repeat(LIMITS.roomName + 1)).ok).toBe(false);
  });

  it('text: trimmed, not empty, bounded', () => {
    expect(checkText('  hi\n')).toEqual({ ok: true, value: 'hi' });
    expect(checkText(' \n ').ok).toBe(false);
    expect(checkText('x'.repeat(LIMITS.text)).ok).toBe(true);
  });
});
