import { type ConnectionState, ReadyState } from '../connection.js';

/**
 * Where a connection is in its life, with the data that exists only there: a close exists once the connection
 * is closing or closed, never before. `Close` is what a kind of connection remembers of its close (the
 * `CloseInfo` it will report, and for a SockJS session also the close frame it answers with).
 */
export type ConnectionPhase<Close> =
  | { readonly state: 'connecting' }
  | { readonly state: 'open' }
  | { readonly state: 'closing'; readonly close: Close }
  | { readonly state: 'closed'; readonly close: Close };

/** Shared by every connection: entering these states allocates nothing. */
export const CONNECTING = Object.freeze({ state: 'connecting' as const });
export const OPEN = Object.freeze({ state: 'open' as const });

/** The moves a connection may make: forward only, and `closed` is final. */
const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  connecting: ['open', 'closing', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

const READY_STATE: Readonly<Record<ConnectionState, ReadyState>> = {
  connecting: ReadyState.CONNECTING,
  open: ReadyState.OPEN,
  closing: ReadyState.CLOSING,
  closed: ReadyState.CLOSED,
};

/** One connection's state, changed only through `enter`, which refuses a move the table does not allow. */
export class Lifecycle<Close> {
  private current: ConnectionPhase<Close>;
  private readonly owner: string;

  /** `owner` names the connection in the error an illegal move throws. */
  constructor(owner: string, initial: ConnectionPhase<Close>) {
    this.owner = owner;
    this.current = initial;
  }

  get phase(): ConnectionPhase<Close> {
    return this.current;
  }

  get state(): ConnectionState {
    return this.current.state;
  }

  get readyState(): ReadyState {
    return READY_STATE[this.current.state];
  }

  /** Move to `next`; throws when the move is not in the table (a bug in the connection, never the client). */
  enter(next: ConnectionPhase<Close>): void {
    if (!TRANSITIONS[this.current.state].includes(next.state)) {
      throw new Error(
        `Sockwire: connection ${this.owner} cannot go from ${this.current.state} to ${next.state}`,
      );
    }
    this.current = next;
  }
}
