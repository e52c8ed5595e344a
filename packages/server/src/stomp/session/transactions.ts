import type { MaybePromise } from '../../brokers/broker.js';
import { StompError } from '../errors.js';

/** A SEND or ACK/NACK held until its transaction commits. */
export type TransactionAction = () => MaybePromise<void>;

/**
 * A session's open transactions (BEGIN/COMMIT/ABORT). Actions are held in frame order and run in that
 * order at COMMIT; ABORT, DISCONNECT and a lost connection drop them. Both the number of open transactions
 * and their size are bounded, since everything held is memory the client controls.
 */
export class TransactionTable {
  private readonly open = new Map<string, TransactionAction[]>();
  private readonly maxOpen: number;
  private readonly maxFrames: number;

  constructor(maxOpen: number, maxFrames: number) {
    this.maxOpen = maxOpen;
    this.maxFrames = maxFrames;
  }

  begin(id: string): void {
    if (this.open.has(id))
      throw new StompError('protocol', 'Transaction already started', `transaction ${id} is already open`);
    if (this.open.size >= this.maxOpen) {
      throw new StompError(
        'limit',
        'Too many transactions',
        `at most ${this.maxOpen} transactions may be open at once`,
      );
    }
    this.open.set(id, []);
  }

  add(id: string, action: TransactionAction): void {
    const actions = this.actions(id);
    if (actions.length >= this.maxFrames) {
      throw new StompError(
        'limit',
        'Transaction too large',
        `a transaction may hold at most ${this.maxFrames} frames`,
      );
    }
    actions.push(action);
  }

  /** Close the transaction and hand back its actions to run. */
  commit(id: string): TransactionAction[] {
    const actions = this.actions(id);
    this.open.delete(id);
    return actions;
  }

  abort(id: string): void {
    this.actions(id);
    this.open.delete(id);
  }

  /** Implicit ABORT of everything (DISCONNECT, connection lost). */
  clear(): void {
    this.open.clear();
  }

  private actions(id: string): TransactionAction[] {
    const actions = this.open.get(id);
    if (actions === undefined)
      throw new StompError('protocol', 'Unknown transaction', `transaction ${id} is not open`);
    return actions;
  }
}
