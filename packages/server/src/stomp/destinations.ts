/**
 * Which part of the server a destination belongs to:
 * - application prefixes (`/app/`) go to handlers registered with `onMessage`/`onSubscribe`;
 * - broker prefixes (`/topic/`, `/queue/`) go to the message broker as they are;
 * - the user prefix (`/user/`) names per-user destinations: a session SUBSCRIBEs to `/user/queue/x` and gets
 *   what is sent to its user; anyone may SEND to `/user/{name}/queue/x`.
 *
 * User destinations become broker destinations `/user/{key}/queue/x`, where key is the user name
 * percent-encoded, or for a session without a user a session-private key containing a raw `:` (which no
 * encoded name can contain). Fanning out through the broker is what makes "every session of the user" work
 * once several servers share a broker.
 */
export interface DestinationPrefixes {
  readonly application: readonly string[];
  readonly broker: readonly string[];
  readonly user: string;
}

export type Route =
  | { readonly kind: 'application'; readonly path: string }
  | { readonly kind: 'broker'; readonly destination: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Prefixes compare with a trailing slash, so `/app` matches `/app/x` and never `/apple`. */
export function normalizeDestinationPrefix(prefix: string): string {
  if (!prefix.startsWith('/'))
    throw new TypeError(`Sockwire STOMP: prefix must start with "/", got ${prefix}`);
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function userKey(user: string | undefined, sessionId: string): string {
  return user === undefined ? `:${encodeURIComponent(sessionId)}` : encodeURIComponent(user);
}

/**
 * Why a client may not name a broker destination directly, or undefined. A relay reserves the names at the
 * external broker that carry user destinations, which would otherwise bypass `/user/` (relay/reserved.ts).
 */
export type ReservedDestinations = (destination: string) => string | undefined;

export class DestinationRouter {
  private readonly application: readonly string[];
  private readonly broker: readonly string[];
  private readonly user: string;
  private readonly reserved: ReservedDestinations | undefined;

  constructor(prefixes: DestinationPrefixes, reserved?: ReservedDestinations) {
    this.application = prefixes.application.map(normalizeDestinationPrefix);
    this.broker = prefixes.broker.map(normalizeDestinationPrefix);
    this.user = normalizeDestinationPrefix(prefixes.user);
    this.reserved = reserved;
  }

  /** The user prefix with its trailing slash, e.g. `/user/`. */
  get userPrefix(): string {
    return this.user;
  }

  /** A destination a client SENDs to. */
  forSend(destination: string): Route {
    const app = this.applicationPath(destination);
    if (app !== undefined) return { kind: 'application', path: app };
    if (destination.startsWith(this.user)) {
      // `/user/{name}/queue/x`: the name segment, then a broker destination.
      const rest = destination.slice(this.user.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) return invalid(`${destination} names no user: use ${this.user}{user}/...`);
      const name = safeDecode(rest.slice(0, slash));
      const target = rest.slice(slash);
      if (name === undefined) return invalid(`${destination} has a malformed user name`);
      if (!this.isBrokerDestination(target)) return invalid(`${target} is not a broker destination`);
      return { kind: 'broker', destination: this.userDestination(name, undefined, target) };
    }
    if (this.isBrokerDestination(destination)) return this.clientBrokerRoute(destination);
    return invalid(`no broker or application prefix matches ${destination}`);
  }

  /** A destination a client SUBSCRIBEs to; `/user/...` means the subscriber's own. */
  forSubscribe(destination: string, user: string | undefined, sessionId: string): Route {
    const app = this.applicationPath(destination);
    if (app !== undefined) return { kind: 'application', path: app };
    if (destination.startsWith(this.user)) {
      const target = destination.slice(this.user.length - 1);
      if (!this.isBrokerDestination(target)) return invalid(`${target} is not a broker destination`);
      return { kind: 'broker', destination: this.userDestination(user, sessionId, target) };
    }
    if (this.isBrokerDestination(destination)) return this.clientBrokerRoute(destination);
    return invalid(`no broker or application prefix matches ${destination}`);
  }

  /**
   * A broker destination the client named itself. User destinations are not checked: the names they map to
   * are ours, and are what the reserved names protect.
   */
  private clientBrokerRoute(destination: string): Route {
    const reason = this.reserved?.(destination);
    return reason === undefined ? { kind: 'broker', destination } : invalid(reason);
  }

  /** The broker destination of `user`'s (or, without one, the session's) `target`, e.g. `/queue/x`. */
  userDestination(user: string | undefined, sessionId: string | undefined, target: string): string {
    return `${this.user}${userKey(user, sessionId ?? '')}${target}`;
  }

  isBrokerDestination(destination: string): boolean {
    if (this.broker.length === 0) return destination.startsWith('/') && !destination.startsWith(this.user);
    return this.broker.some((prefix) => destination.startsWith(prefix) && destination.length > prefix.length);
  }

  /** `/app/rooms/1` → `/rooms/1`, or undefined for a destination outside every application prefix. */
  applicationPath(destination: string): string | undefined {
    for (const prefix of this.application) {
      if (destination.startsWith(prefix)) return destination.slice(prefix.length - 1);
    }
    return undefined;
  }
}

function invalid(reason: string): Route {
  return { kind: 'invalid', reason };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
