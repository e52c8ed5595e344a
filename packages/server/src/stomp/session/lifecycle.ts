/**
 * The life of a STOMP session:
 * `awaiting-connect` → (CONNECT) → `connecting` (authenticating) → `connected` → `closing` (after DISCONNECT,
 * an ERROR or a server close; nothing more is read or written) → `closed` (the connection is gone).
 * Any state may jump to `closed` when the connection drops.
 */
export type SessionState = 'awaiting-connect' | 'connecting' | 'connected' | 'closing' | 'closed';

const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  'awaiting-connect': ['connecting', 'closing', 'closed'],
  connecting: ['connected', 'closing', 'closed'],
  connected: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/**
 * What a session's helpers read of its state: work that finishes late (a broker's answer, a delivery) checks
 * that the session is still `connected` before it acts for it.
 */
export interface SessionStatus {
  readonly state: SessionState;
}

/** A session's state; only the session moves it, and only along TRANSITIONS. */
export class SessionLifecycle implements SessionStatus {
  private readonly sessionId: string;
  private current: SessionState = 'awaiting-connect';

  constructor(sessionId: string) {
    this.sessionId = sessionId;
  }

  get state(): SessionState {
    return this.current;
  }

  /** `closing` or `closed`: the session reads and writes nothing more. */
  get ended(): boolean {
    return this.current === 'closing' || this.current === 'closed';
  }

  moveTo(next: SessionState): void {
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new Error(`Sockwire STOMP: session ${this.sessionId} cannot go from ${this.current} to ${next}`);
    }
    this.current = next;
  }
}
