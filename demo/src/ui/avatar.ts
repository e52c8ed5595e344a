import { h } from './dom.js';

/*
 * Initials avatars: one or two letters on a colour that depends on the name alone, so a person has the same
 * colour on every page and in every tab. Every colour below carries white text at a contrast of at least 5:1
 * (WCAG AA asks 4.5:1), in light and dark mode alike.
 */
const COLOURS = [
  '#b42318', // red
  '#a64206', // orange
  '#8a5a00', // ochre
  '#2b7a34', // green
  '#0f766e', // teal
  '#0e7490', // cyan
  '#1d5fbf', // blue
  '#4f46e5', // indigo
  '#7e22ce', // purple
  '#be185d', // pink
] as const;

/** FNV-1a over the UTF-16 code units: small, stable, and spreads short names well. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

export function avatarColour(name: string): string {
  return COLOURS[hash(name.toLowerCase()) % COLOURS.length] ?? COLOURS[0];
}

/** "alice" → "A", "mary-jane" → "MJ", "bob.smith_2" → "BS". */
export function initials(name: string): string {
  const words = name.split(/[\s._-]+/).filter((word) => /\p{L}|\p{N}/u.test(word));
  const letter = (word: string | undefined) => [...(word ?? '')][0]?.toLocaleUpperCase() ?? '';
  const result = letter(words[0]) + (words.length > 1 ? letter(words[1]) : '');
  return result === '' ? '?' : result;
}

/**
 * The avatar element. The initials are drawn by CSS from `data-initials` (not text content), so they are never
 * read out or copied with a message or a name beside them: the name is always next to the avatar.
 */
export function avatar(name: string, size: 'small' | 'medium' = 'medium'): HTMLElement {
  const element = h('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true' });
  setAvatar(element, name);
  return element;
}

export function setAvatar(element: HTMLElement, name: string): void {
  element.dataset.initials = initials(name);
  element.style.setProperty('--avatar-colour', avatarColour(name));
}
