import type { MaybePromise, MessageHeaders } from '../brokers/broker.js';
import { getHeader, type StompHeaders } from './codec/frame.js';
import { compilePattern, type PathPattern } from './path-pattern.js';
import type { SessionInfo } from './types.js';

/** What a handler gets: Spring's message plus its `@DestinationVariable`s and principal. */
export interface HandlerContext {
  /** The destination as the client wrote it, e.g. `/app/rooms/42/send`. */
  readonly destination: string;
  /** Path variables of the matched pattern, e.g. `{ room: '42' }`. */
  readonly params: Readonly<Record<string, string>>;
  readonly headers: StompHeaders;
  /** A header's first value. */
  header(name: string): string | undefined;
  /** Empty for SUBSCRIBE. */
  readonly body: string;
  /** The body parsed as JSON; a malformed body throws a {@link StompRejection}-like error the client sees. */
  json<T = unknown>(): T;
  readonly session: SessionInfo;
}

/** A reply with headers of its own; return one from a handler, or publish one. */
export class OutgoingMessage {
  readonly body: string;
  readonly headers: MessageHeaders;

  constructor(body: string, headers: MessageHeaders = []) {
    this.body = body;
    this.headers = headers;
  }
}

export function message(
  body: string,
  headers: Readonly<Record<string, string>> | MessageHeaders = [],
): OutgoingMessage {
  return new OutgoingMessage(body, toHeaderList(headers));
}

/**
 * A handler's return value: nothing (no reply), a string (a `text/plain` body), an {@link OutgoingMessage},
 * or any other value, sent as JSON.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: lets a handler that only reacts be written without `return`.
export type HandlerResult = undefined | void | Payload;

/** A message body: text as is, an {@link OutgoingMessage}, or any other value as JSON. */
export type Payload = string | OutgoingMessage | number | boolean | null | object;

export type MessageHandler = (context: HandlerContext) => MaybePromise<HandlerResult>;

/**
 * Where a handler's result goes (Spring's `@SendTo` / `@SendToUser`).
 * - neither: a SEND handler publishes to the default reply prefix plus its path (`/app/x` → `/topic/x`);
 *   a subscribe handler replies once to the subscriber, bypassing the broker (`@SubscribeMapping`);
 * - `sendTo`: publish to this destination; `{name}` is replaced by the path variable;
 * - `sendToUser`: publish to the caller's user destination (e.g. `/queue/reply`, received by subscribers of
 *   `/user/queue/reply`): all the user's sessions, or only the calling one when `broadcast` is false.
 */
export interface HandlerOptions {
  readonly sendTo?: string;
  readonly sendToUser?: string;
  /** Default true. Sessions without a user only ever reach themselves. */
  readonly broadcast?: boolean;
}

export type HandlerKind = 'message' | 'subscribe';

export interface Registration {
  readonly kind: HandlerKind;
  readonly pattern: PathPattern;
  readonly handler: MessageHandler;
  readonly options: HandlerOptions;
}

export interface HandlerMatch {
  readonly registration: Registration;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Handlers by kind. Literal patterns are tried first, then the others in registration order (Spring picks
 * the most specific pattern; "first registered" is easier to predict and to read in code).
 */
export class HandlerRegistry {
  private readonly registrations: Registration[] = [];

  add(kind: HandlerKind, pattern: string, handler: MessageHandler, options: HandlerOptions = {}): () => void {
    const registration: Registration = { kind, pattern: compilePattern(pattern), handler, options };
    this.registrations.push(registration);
    return () => {
      const index = this.registrations.indexOf(registration);
      if (index >= 0) this.registrations.splice(index, 1);
    };
  }

  find(kind: HandlerKind, path: string): HandlerMatch | undefined {
    for (const registration of this.registrations) {
      if (
        registration.kind === kind &&
        registration.pattern.literal &&
        registration.pattern.source === path
      ) {
        return { registration, params: {} };
      }
    }
    for (const registration of this.registrations) {
      if (registration.kind !== kind || registration.pattern.literal) continue;
      const params = registration.pattern.match(path);
      if (params !== undefined) return { registration, params };
    }
    return undefined;
  }
}

/** A handler result as a message body and headers, or undefined for "no reply". */
export function resultToMessage(result: HandlerResult): OutgoingMessage | undefined {
  if (result === undefined) return undefined;
  if (result instanceof OutgoingMessage) return result;
  if (typeof result === 'string')
    return new OutgoingMessage(result, [['content-type', 'text/plain;charset=UTF-8']]);
  return new OutgoingMessage(JSON.stringify(result), [['content-type', 'application/json']]);
}

export function toHeaderList(headers: Readonly<Record<string, string>> | MessageHeaders): MessageHeaders {
  return Array.isArray(headers) ? (headers as MessageHeaders) : Object.entries(headers);
}

export function createContext(
  destination: string,
  params: Readonly<Record<string, string>>,
  headers: StompHeaders,
  body: string,
  session: SessionInfo,
  parseJson: (body: string) => unknown,
): HandlerContext {
  return {
    destination,
    params,
    headers,
    header: (name) => getHeader(headers, name),
    body,
    json: <T>() => parseJson(body) as T,
    session,
  };
}
