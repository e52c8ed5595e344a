/*
 * A tiny element builder. Text always goes in through `textContent` (or a Text node), never `innerHTML`, so
 * whatever another user types is shown as text and can never become markup on our page.
 */

type Attributes = Readonly<Record<string, string | number | boolean | undefined>>;
type Child = Node | string | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Sets text only when it differs, so screen readers do not re-announce an unchanged live region. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function shortTime(ms: number): string {
  return timeFormat.format(ms);
}

export function longTime(ms: number): string {
  return fullFormat.format(ms);
}

/** The local calendar day of a time, as `YYYY-MM-DD` (keys the day headings of the message list). */
export function dayKey(ms: number): string {
  const date = new Date(ms);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const yearFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

/** A day heading: "Today", "Yesterday", "Monday" within the week, then "Monday 3 March", then with the year. */
export function dayLabel(ms: number, now = Date.now()): string {
  const startOf = (t: number) => {
    const date = new Date(t);
    return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  };
  // Calendar days between the two (rounded: a daylight-saving change makes one day 23 or 25 hours long).
  const days = Math.round((startOf(now) - startOf(ms)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekdayFormat.format(ms);
  if (new Date(ms).getFullYear() === new Date(now).getFullYear()) return dateFormat.format(ms);
  return yearFormat.format(ms);
}
