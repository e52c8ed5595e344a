import type { NodeMessage } from './session-bus.js';

/**
 * The exact shape of every message one node may send another, checked before anything reads it.
 *
 * Whatever arrives on a node's channel is only bytes someone published on Redis: a bug, another program
 * sharing the server, or an attacker. So a message must be exactly one of the NodeMessage kinds, with every
 * required field present and of its type, nothing else, and every size bounded. The bounds sit well above
 * what a node ever sends (the comments say from what), so that real traffic is never refused; they exist to
 * keep a forged message from carrying what a real request could not (a header with a line break, a 10 MB
 * url, a non-numeric status handed to `writeHead`).
 *
 * Pure: no I/O, nothing thrown. The result is the message, typed, or the reason it was refused. Reasons are
 * fixed strings made from the kind and field names known here, never from the input, so that counting them
 * cannot grow without bound.
 */

/** Node ids are chosen by operators (`--node-id`) or default to host, pid and a random part. */
export const MAX_NODE_ID = 256;
/** A request id is `<node id>:<random instance>:<counter>` (see SessionForwarder). */
const MAX_REQUEST_ID = MAX_NODE_ID + 64;
/**
 * Urls, session ids and callbacks come from the request line, which Node bounds with its header limit
 * (`--max-http-header-size`, 16 KiB by default); four times that leaves room for servers that raise it.
 */
const MAX_URL = 64 * 1024;
/** Node's default `maxHeadersCount`: a request with more has the rest dropped by Node itself. */
const MAX_HEADERS = 2000;
/** Names and values together; see MAX_URL for why this is far above Node's own limit. */
const MAX_HEADER_CHARS = 256 * 1024;
/**
 * Frames forwarded by the owner and messages forwarded by the edge. Redis disconnects a subscriber whose
 * pending pub/sub output passes 32 MB (its default `client-output-buffer-limit pubsub`), so nothing
 * larger can be forwarded anyway.
 */
export const MAX_DATA = 32 * 1024 * 1024;
/** Client messages per forwarded send: each is at least the 2 characters `""` of the body it came from. */
const MAX_MESSAGES = MAX_DATA / 2;

/** RFC 9110 token: what Node's parser accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Node decodes header values as latin1 and refuses control characters other than tab. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A request target as Node's parser accepts it: no controls, no spaces. */
const URL_CHARS = /^[\x21-\x7e\x80-\xff]*$/;
/** Printable text: ids end up in log lines and Redis keys. */
const PRINTABLE = /^[^\x00-\x1f\x7f]+$/;
/** The SockJS session id of a path: any non-empty text without `/` or `.` (see the router). */
const SESSION_ID = /^[^/.\x00-\x1f\x7f]+$/;
/** What the edge accepted as a JSONP/htmlfile callback (`validateCallback`): it is pasted into script. */
const CALLBACK = /^[a-zA-Z0-9_.-]+$/;

const TRANSPORTS: ReadonlySet<string> = new Set([
  'xhr-polling',
  'xhr-streaming',
  'eventsource',
  'htmlfile',
  'jsonp-polling',
]);

type Check = (value: unknown) => boolean;

const boundedText =
  (pattern: RegExp, max: number): Check =>
  (value) =>
    typeof value === 'string' && value.length <= max && pattern.test(value);

export const isNodeId: Check = boundedText(PRINTABLE, MAX_NODE_ID);
const isRequestId = boundedText(PRINTABLE, MAX_REQUEST_ID);
const isSessionId = boundedText(SESSION_ID, MAX_URL);
const isCallback = boundedText(CALLBACK, MAX_URL);
const isData: Check = (value) => typeof value === 'string' && value.length <= MAX_DATA;
const isTransport: Check = (value) => typeof value === 'string' && TRANSPORTS.has(value);
/**
 * Owners answer a forwarded send with 204 (taken), 403 (not this client's session) or 404 (no such session);
 * the edge writes it as is.
 */
const isStatus: Check = (value) => value === 204 || value === 403 || value === 404;
/** The session key a send carried (session-binding.ts): `new` or base64url, as the edge accepted it. */
const isSessionKeyText = boundedText(/^[A-Za-z0-9_-]+$/, 64);
/** What the application's `sessionOwner` returned for the send's request: compared, never interpreted. */
const isOwner: Check = (value) => typeof value === 'string' && value.length <= MAX_URL;
/** `socket.remoteAddress`, or '' when Node no longer knows it (see requestInfo). */
const isAddressText = boundedText(PRINTABLE, MAX_NODE_ID);
const isAddress: Check = (value) => value === '' || isAddressText(value);
const isPort: Check = (value) =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535;

/** A plain object as JSON.parse makes it: not null, not an array, nothing inherited but Object's own. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const isMessages: Check = (value) => {
  if (!Array.isArray(value) || value.length > MAX_MESSAGES) return false;
  let chars = 0;
  for (const item of value) {
    if (typeof item !== 'string') return false;
    chars += item.length;
    if (chars > MAX_DATA) return false;
  }
  return true;
};

/** Node's IncomingHttpHeaders after a JSON round trip: names to a string, or to strings (set-cookie). */
const isHeaders: Check = (value) => {
  if (!isPlainObject(value)) return false;
  let count = 0;
  let chars = 0;
  for (const name of Object.keys(value)) {
    // An own `__proto__` is harmless here, but becomes a prototype in the hands of `Object.assign`.
    if (name === '__proto__' || !HEADER_NAME.test(name)) return false;
    const field = value[name];
    const items = typeof field === 'string' ? [field] : Array.isArray(field) ? field : null;
    if (items === null) return false;
    count += Math.max(1, items.length);
    chars += name.length;
    if (count > MAX_HEADERS) return false;
    for (const item of items) {
      if (typeof item !== 'string') return false;
      chars += item.length;
      if (chars > MAX_HEADER_CHARS || !HEADER_VALUE.test(item)) return false;
    }
  }
  return true;
};

interface Field {
  readonly check: Check;
  readonly optional?: boolean;
}

const required = (check: Check): Field => ({ check });
const optional = (check: Check): Field => ({ check, optional: true });

/** Fields of each kind, besides `t`; anything else in a message is refused. */
type Shape = Readonly<Record<string, Field>>;

const REQUEST: Shape = {
  headers: required(isHeaders),
  url: required(boundedText(URL_CHARS, MAX_URL)),
  remoteAddress: required(isAddress),
  remotePort: required(isPort),
};

const SHAPES: Readonly<Record<NodeMessage['t'], Shape>> = {
  attach: {
    req: required(isRequestId),
    from: required(isNodeId),
    sid: required(isSessionId),
    transport: required(isTransport),
    callback: optional(isCallback),
    request: required((value) => checkFields(value, REQUEST, 'request') === null),
  },
  send: {
    req: required(isRequestId),
    from: required(isNodeId),
    sid: required(isSessionId),
    messages: required(isMessages),
    key: optional(isSessionKeyText),
    owner: optional(isOwner),
  },
  abort: { req: required(isRequestId) },
  write: { req: required(isRequestId), data: required(isData) },
  end: { req: required(isRequestId), data: optional(isData) },
  destroy: { req: required(isRequestId) },
  reply: { req: required(isRequestId), status: required(isStatus) },
};

/** Null when `value` has exactly the fields of `shape` (plus `skip`), each valid; the refusal otherwise. */
function checkFields(value: unknown, shape: Shape, name: string, skip?: string): string | null {
  if (!isPlainObject(value)) return `${name}: not an object`;
  for (const key of Object.keys(value)) {
    if (key !== skip && !Object.hasOwn(shape, key)) return `${name}: unknown field`;
  }
  for (const [key, field] of Object.entries(shape)) {
    const found = value[key];
    if (found === undefined) {
      if (field.optional === true) continue;
      return `${name}.${key}: missing`;
    }
    if (!field.check(found)) return `${name}.${key}: invalid`;
  }
  return null;
}

/** The message if `value` is exactly a NodeMessage, else why not. */
export function checkNodeMessage(value: unknown): NodeMessage | string {
  if (!isPlainObject(value)) return 'not an object';
  const kind = value['t'];
  if (typeof kind !== 'string' || !Object.hasOwn(SHAPES, kind)) return 'unknown kind';
  const problem = checkFields(value, SHAPES[kind as NodeMessage['t']], kind, 't');
  return problem ?? (value as unknown as NodeMessage);
}
