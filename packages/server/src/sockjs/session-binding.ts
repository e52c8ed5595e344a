import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readSessionKey, SESSION_KEY_PARAM, SESSION_KEY_REQUEST } from '@sockwire/protocol';
import type { ForwardedRequest } from '../cluster/session-bus.js';
import type { ResolvedOptions } from '../options.js';
import { requestInfo } from './http.js';

/*
 * Who may use an HTTP session. SockJS makes the session id the only credential: whoever knows it can send into
 * the session (xhr_send) or take its messages (a poll between the owner's polls), and whoever chooses it can
 * make a victim's browser open it with the victim's cookies (session fixation). Three defences live here:
 *
 * - ids have a bounded form, so they cannot be used to grow memory or smuggle text;
 * - a session opened with `sw_key=new` is bound to a key issued in its open frame (protocol's session-key.ts),
 *   and every later request must carry it;
 * - the application may bind sessions to their credentials (`sessionOwner`): every later request must come
 *   from the same owner.
 */

/** Session ids: 8 to 64 of `A-Z a-z 0-9 _ -` (sockjs-client uses 8, Sockwire's client 16, Spring's 32). */
export const SESSION_ID_FORMAT = /^[A-Za-z0-9_-]{8,64}$/;
/** Server ids (the routing hint in front of the session id): 1 to 32 of the same characters. */
export const SERVER_ID_FORMAT = /^[A-Za-z0-9_-]{1,32}$/;

export const BAD_ID_MESSAGE =
  'Sockwire: a session URL is <prefix>/<server id>/<session id>/<transport>, where the server id is 1 to 32 ' +
  'and the session id 8 to 64 characters of A-Z a-z 0-9 _ -.\n';

/** What a request for a session presents: its key (or a request for one), and its owner per `sessionOwner`. */
export interface Presented {
  readonly key: string | null;
  readonly owner: string | null;
}

/** What a session was bound to when it opened. */
export interface Binding {
  readonly key: string | null;
  readonly owner: string | null;
}

/** A refused request: the HTTP status, and the text that says why (and what to do). */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/*
 * The refusal texts, in one place: the checks below use them, and so does a send forwarded to the node that
 * holds the session, which hears only the status.
 */
export const NO_SESSION_MESSAGE = 'Sockwire: no such session (it may have timed out or closed).\n';
const NOT_YOURS = 'Sockwire: this session belongs to the client that opened it';
const OPEN_NEW = 'Open a new session instead.\n';
const NO_SUCH_SESSION: Refusal = { status: 404, message: NO_SESSION_MESSAGE };
const KEY_NOT_CARRIED: Refusal = {
  status: 403,
  message: `${NOT_YOURS}, and this request did not carry its session key (${SESSION_KEY_PARAM}). ${OPEN_NEW}`,
};
const ANOTHER_OWNER: Refusal = {
  status: 403,
  message:
    'Sockwire: this session belongs to another owner (see the sessionOwner option). Open a new session.\n',
};
/** The node holding the session refused a forwarded request: 403 says one of the two checks failed, not which. */
export const FORWARDED_REFUSAL: Refusal = {
  status: 403,
  message: `${NOT_YOURS}: this request did not carry its session key, or came from another owner (see sessionOwner). ${OPEN_NEW}`,
};

export function presentedBy(options: ResolvedOptions, request: ForwardedRequest): Presented {
  return { key: sessionKeyIn(request.url), owner: ownerOf(options, request) };
}

/**
 * What a request received here presents. The key is read from its URL; the request's info (for the
 * application's sessionOwner) is built only when there is a sessionOwner to ask: this runs on every HTTP send.
 */
export function presentedByRequest(options: ResolvedOptions, request: IncomingMessage): Presented {
  return {
    key: sessionKeyIn(request.url ?? ''),
    owner: options.sessionOwner === null ? null : ownerOf(options, requestInfo(request)),
  };
}

function sessionKeyIn(url: string): string | null {
  const q = url.indexOf('?');
  return q < 0 ? null : readSessionKey(url.slice(q + 1));
}

/** The application's `sessionOwner` for this request; null when it has none or says none. */
export function ownerOf(options: ResolvedOptions, request: ForwardedRequest): string | null {
  const owner = options.sessionOwner?.(request);
  return typeof owner === 'string' && owner !== '' ? owner : null;
}

/** A fresh session key: 144 random bits, base64url (24 characters). */
export function issueSessionKey(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The binding of a session this request opens, or the refusal. A request carrying an old key cannot open a
 * new session under that id: its session ended, and the client must open a new one.
 */
export function bindNew(options: ResolvedOptions, presented: Presented): Binding | Refusal {
  if (presented.key !== null && presented.key !== SESSION_KEY_REQUEST) return NO_SUCH_SESSION;
  if (presented.key === null && options.sessionKeys === 'required') {
    return {
      status: 403,
      message:
        `Sockwire: this server requires session keys (sessionKeys: 'required'), which only Sockwire's client ` +
        `sends. Connect with @sockwire/client, or set sessionKeys: 'offered' (--session-keys offered) to let ` +
        `other SockJS clients in.\n`,
    };
  }
  return {
    key: presented.key === SESSION_KEY_REQUEST ? issueSessionKey() : null,
    owner: presented.owner,
  };
}

/** Null when the request may use the session bound as `binding`; the refusal otherwise. */
export function checkBinding(binding: Binding, presented: Presented): Refusal | null {
  if (binding.key === null ? presented.key !== null : !sameText(binding.key, presented.key)) {
    return KEY_NOT_CARRIED;
  }
  if (binding.owner !== null && !sameText(binding.owner, presented.owner)) return ANOTHER_OWNER;
  return null;
}

function sameText(expected: string, given: string | null): boolean {
  if (given === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A browser request that can open or use a session but was not made by a page's script on an allowed origin:
 * a navigation, an iframe, an `<img>` or a `no-cors` fetch from another site. Browsers send `Origin` on every
 * cross-origin script request (XHR, fetch, EventSource), so a request without one that `Sec-Fetch-Site` says
 * comes from another site (or a sibling subdomain) is one of those, carrying the visitor's cookies to a session
 * id the other site chose. Browsers that predate Fetch Metadata (Safari < 16.4) send neither header: there a GET
 * with cookies (the only session requests a navigation can make are GETs: eventsource) is refused too, since a
 * same-origin script's EventSource is all it could be otherwise, and the client falls back to a POST transport,
 * which carries `Origin`.
 */
export function isCrossSiteWithoutOrigin(request: IncomingMessage): boolean {
  if (request.headers.origin !== undefined) return false;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'cross-site' || site === 'same-site';
  return request.method === 'GET' && request.headers.cookie !== undefined;
}

export const CROSS_SITE_MESSAGE =
  'Sockwire: refused a request from another site that carries no Origin (a navigation, an iframe or a ' +
  'no-cors fetch): only a page script on an allowed origin may open or use a session.\n';
