import type { ForwardedRequest } from '../cluster/session-bus.js';
import type { CloseInfo, TransportName } from '../connection.js';
import type { ResolvedOptions } from '../options.js';
import type { FlushBatch } from './flush-batch.js';
import type { Session } from './session.js';
import type { Binding } from './session-binding.js';

/** What a session needs from the server that owns it. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  /** The session sent its open frame: announce it to the application. */
  opened(session: Session): void;
  /** The session is finished and its id may be forgotten. */
  removed(session: Session): void;
}

/** What a server gives a session it creates. */
export interface SessionInit {
  readonly transport: TransportName;
  /** The request that opened the session (possibly forwarded from another node). */
  readonly request: ForwardedRequest;
  readonly prefix: string;
  /** The SockJS session id, or null for a WebSocket session (the socket is the session). */
  readonly sessionId: string | null;
  /** The owning server's batch of sessions to flush at the end of the tick (servers share nothing). */
  readonly flushes: FlushBatch;
  readonly subprotocol?: string;
  readonly binding?: Binding;
}

/** How a session closed: what it reports, and the close frame that answers every later request. */
export interface SessionClose {
  readonly info: CloseInfo;
  readonly frame: string;
}
