import type { BrokerStats } from '../brokers/broker.js';
import { isClientCommand } from './codec/frame.js';
import { STOMP_ERROR_KINDS, type StompErrorKind } from './errors.js';

export interface StompStats {
  readonly sessions: {
    /** Sessions whose connection is open (CONNECTED or not yet). */
    readonly open: number;
    /** Every session since start. */
    readonly total: number;
    /** Open sessions by transport (`websocket`, `xhr-streaming`, ..., `tcp`). */
    readonly byTransport: Readonly<Record<string, number>>;
    /** Distinct users with at least one CONNECTED session. */
    readonly users: number;
  };
  /** Frames by command, heart-beats not counted. */
  readonly framesIn: Readonly<Record<string, number>>;
  readonly framesOut: Readonly<Record<string, number>>;
  readonly heartbeatsIn: number;
  readonly heartbeatsOut: number;
  /** Sessions ended by an error, by kind. */
  readonly errors: Readonly<Record<StompErrorKind, number>>;
  readonly broker: BrokerStats;
}

/** Counters the sessions update; read as a snapshot through `stats()`. */
export class StatsCollector {
  open = 0;
  total = 0;
  heartbeatsIn = 0;
  heartbeatsOut = 0;
  private readonly byTransport = new Map<string, number>();
  private readonly framesIn = new Map<string, number>();
  private readonly framesOut = new Map<string, number>();
  private readonly errors = new Map<StompErrorKind, number>();

  sessionOpened(transport: string): void {
    this.open++;
    this.total++;
    this.byTransport.set(transport, (this.byTransport.get(transport) ?? 0) + 1);
  }

  sessionClosed(transport: string): void {
    this.open--;
    this.byTransport.set(transport, (this.byTransport.get(transport) ?? 1) - 1);
  }

  frameIn(command: string): void {
    // Unknown commands are counted under one key, so a hostile client cannot grow the table.
    const key = isClientCommand(command) ? command : '(unknown)';
    this.framesIn.set(key, (this.framesIn.get(key) ?? 0) + 1);
  }

  frameOut(command: string): void {
    this.framesOut.set(command, (this.framesOut.get(command) ?? 0) + 1);
  }

  error(kind: StompErrorKind): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  snapshot(users: number, broker: BrokerStats): StompStats {
    const errors = {} as Record<StompErrorKind, number>;
    for (const kind of STOMP_ERROR_KINDS) errors[kind] = this.errors.get(kind) ?? 0;
    return {
      sessions: {
        open: this.open,
        total: this.total,
        byTransport: Object.fromEntries([...this.byTransport].filter(([, n]) => n > 0)),
        users,
      },
      framesIn: Object.fromEntries(this.framesIn),
      framesOut: Object.fromEntries(this.framesOut),
      heartbeatsIn: this.heartbeatsIn,
      heartbeatsOut: this.heartbeatsOut,
      errors,
      broker,
    };
  }
}
