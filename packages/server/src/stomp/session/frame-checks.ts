import { getHeader, type StompFrame } from '../codec/frame.js';
import { StompError } from '../errors.js';

/** The header a command cannot do without, or the ERROR its absence (or emptiness) is. */
export function required(frame: StompFrame, name: string): string {
  const value = getHeader(frame.headers, name);
  if (value === undefined || value === '') {
    throw new StompError('protocol', `Missing ${name} header`, `${frame.command} requires a ${name} header`);
  }
  return value;
}

/** A client-chosen string, shortened and quoted for an error message. */
export function printable(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
