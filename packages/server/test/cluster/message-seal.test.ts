import { describe, expect, it } from 'vitest';
import { MessageSeal, SEAL_WINDOW_MS } from '../../src/cluster/message-seal.js';

/*
 * The signing alone: a sealed message opens with the same secret on the same channel, once, while fresh;
 * anything else is refused with a reason.
 */

const channel = 'sockwire:node:b';
const message = { t: 'abort', req: 'a:x:1' };

describe('MessageSeal', () => {
  it('opens what a node with the same secret sealed for this channel, with its sender', () => {
    const a = new MessageSeal('s3cret', 'a');
    const b = new MessageSeal('s3cret', 'b');
    expect(b.open(channel, a.seal(channel, message))).toEqual({ from: 'a', payload: message });
    expect(b.open(channel, a.seal(channel, null))).toEqual({ from: 'a', payload: null });
  });

  it('refuses unsigned text, another secret, another channel and any change', () => {
    const a = new MessageSeal('s3cret', 'a');
    const b = new MessageSeal('s3cret', 'b');
    expect(b.open(channel, JSON.stringify(message))).toBe('unsigned');
    expect(b.open(channel, new MessageSeal('other', 'a').seal(channel, message))).toBe('bad signature');
    expect(b.open(channel, a.seal('sockwire:node:c', message))).toBe('bad signature');
    expect(b.open(channel, a.seal('other-prefix:node:b', message))).toBe('bad signature');
    const sealed = a.seal(channel, message);
    expect(b.open(channel, sealed.replace('"abort"', '"write"'))).toBe('bad signature');
    const flipped = sealed.charAt(10) === 'A' ? 'B' : 'A';
    expect(b.open(channel, `${sealed.slice(0, 10)}${flipped}${sealed.slice(11)}`)).toBe('bad signature');
    expect(b.open(channel, 's1.')).toBe('bad signature');
    expect(b.open(channel, 's1.short.{}')).toBe('bad signature');
  });

  it('refuses a replay and an older number from the same sender, not the same number from another', () => {
    const a = new MessageSeal('s3cret', 'a');
    const b = new MessageSeal('s3cret', 'b');
    const first = a.seal(channel, message);
    const second = a.seal(channel, message);
    expect(b.open(channel, second)).toMatchObject({ from: 'a' });
    expect(b.open(channel, second)).toBe('replayed');
    expect(b.open(channel, first)).toBe('replayed');
    // A restarted node (same id, new process) starts counting again: its messages are not replays.
    const restarted = new MessageSeal('s3cret', 'a');
    expect(b.open(channel, restarted.seal(channel, message))).toMatchObject({ from: 'a' });
  });

  it('refuses messages stamped outside the window, either way', () => {
    let now = 1_000_000_000;
    const clock = () => now;
    const b = new MessageSeal('s3cret', 'b', clock);
    const old = new MessageSeal('s3cret', 'a', () => now - SEAL_WINDOW_MS - 1).seal(channel, message);
    const future = new MessageSeal('s3cret', 'a', () => now + SEAL_WINDOW_MS + 1).seal(channel, message);
    expect(b.open(channel, old)).toBe('stale');
    expect(b.open(channel, future)).toBe('stale');
    // A message kept back until its sender is forgotten is stale by then.
    const a = new MessageSeal('s3cret', 'a', clock);
    const kept = a.seal(channel, message);
    expect(b.open(channel, a.seal(channel, message))).toMatchObject({ from: 'a' });
    now += 3 * SEAL_WINDOW_MS;
    expect(b.open(channel, a.seal(channel, message))).toMatchObject({ from: 'a' });
    expect(b.open(channel, kept)).toBe('stale');
  });

  it('refuses an empty secret', () => {
    expect(() => new MessageSeal('', 'a')).toThrow(/must not be empty/);
  });
});
