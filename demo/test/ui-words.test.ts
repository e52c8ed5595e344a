import { describe, expect, it } from 'vitest';
import { describeClose } from '../src/close-words.js';
import { avatarColour, initials } from '../src/ui/avatar.js';
import { dayKey, dayLabel } from '../src/ui/dom.js';

/* The small pure pieces of the page's wording and look: avatars, day headings, a close in plain words. */

describe('initials avatars', () => {
  it('one letter for one word, two for two, upper case', () => {
    expect(initials('alice')).toBe('A');
    expect(initials('mary-jane')).toBe('MJ');
    expect(initials('bob.smith_2')).toBe('BS');
    expect(initials('élodie')).toBe('É');
    expect(initials('___')).toBe('?');
  });

  it('a colour per name, the same every time, whatever the case', () => {
    expect(avatarColour('alice')).toBe(avatarColour('alice'));
    expect(avatarColour('Alice')).toBe(avatarColour('alice'));
    const colours = new Set(['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map(avatarColour));
    expect(colours.size).toBeGreaterThan(3);
  });
});

describe('day headings', () => {
  const now = new Date(2026, 2, 12, 15, 0).getTime(); // Thursday 12 March 2026, 15:00

  it('Today and Yesterday by the calendar, not by 24 hours', () => {
    expect(dayLabel(new Date(2026, 2, 12, 0, 5).getTime(), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 2, 11, 23, 59).getTime(), now)).toBe('Yesterday');
  });

  it('a weekday within the week, then a date (with the year only for other years)', () => {
    const monday = new Date(2026, 2, 9, 12, 0).getTime();
    expect(dayLabel(monday, now)).toBe(
      new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(monday),
    );
    expect(dayLabel(new Date(2026, 0, 2).getTime(), now)).not.toMatch(/2026/);
    expect(dayLabel(new Date(2025, 11, 30).getTime(), now)).toMatch(/2025/);
  });

  it('keys are local calendar days', () => {
    expect(dayKey(new Date(2026, 2, 1, 0, 0).getTime())).toBe('2026-03-01');
    expect(dayKey(new Date(2026, 2, 1, 23, 59).getTime())).toBe('2026-03-01');
  });
});

describe('a close in plain words', () => {
  it('says what happened without codes', () => {
    expect(describeClose(1001, 'Going away')).toBe('The chat server went away (it may be restarting)');
    expect(describeClose(1002, 'Cannot connect to server: /info Failed to fetch')).toBe(
      "Can't reach the chat server",
    );
    expect(describeClose(1006, '')).toBe('The connection dropped');
    expect(describeClose(4000, 'cut by the test')).toBe('The connection was interrupted');
  });
});
