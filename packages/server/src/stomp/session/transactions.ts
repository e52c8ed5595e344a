import type { MaybePromise } from '../../brokers/broker.js';
import type { StompFrame } from '../codec/frame.js';
import { StompError } from '../errors.js';

/** A SEND or ACK/NACK held until its transaction commits. */
export type TransactionAction = () => MaybePromise<void>;

export interface TransactionLimits {
  /** Open transactions at once. */
  readonly maxOpen: number;
  /** Frames in one transaction. */
  readonly maxFrames: number;
  /** Bytes held by one transaction (see `heldBytes`). */
  readonly maxBytes: number;
  /** Bytes held by all open transactions of the session together. */
  readonly maxSessionBytes: number;
}

interface OpenTransaction {
  readonly actions: TransactionAction[];
  bytes: number;
}

/**
 * A session's open transactions (BEGIN/COMMIT/ABORT). Actions are held in frame order and run in that
 * order at COMMIT; ABORT, DISCONNECT and a lost connection drop them. The number of open transactions, their
 * frames and their bytes are all bounded, since everything held is memory the client controls: frames alone
 * allowed 16 transactions × 1000 frames × 64 KiB, about 1 GiB per session.
 */
export class TransactionTable {
  private readonly open = new Map<string, OpenTransaction>();
  private readonly limits: TransactionLimits;
  /** Bytes held by every open transaction. */
  private bytes = 0;

  constructor(limits: TransactionLimits) {
    this.limits = limits;
  }

  begin(id: string): void {
    if (this.open.has(id))
      throw new StompError('protocol', 'Transaction already started', `transaction ${id} is already open`);
    if (this.open.size >= this.limits.maxOpen) {
      throw new StompError(
        'limit',
        'Too many transactions',
        `at most ${this.limits.maxOpen} transactions may be open at once`,
      );
    }
    this.open.set(id, { actions: [], bytes: 0 });
  }

  /** Hold `action` for transaction `id`; `bytes` is what its frame keeps in memory until then. */
  add(id: string, action: TransactionAction, bytes: number): void {
    const transaction = this.transaction(id);
    const { maxFrames, maxBytes, maxSessionBytes } = this.limits;
    if (transaction.actions.length >= maxFrames) {
      throw new StompError(
        'limit',
        'Transaction too large',
        `a transaction may hold at most ${maxFrames} frames`,
      );
    }
    if (transaction.bytes + bytes > maxBytes) {
      throw new StompError(
        'limit',
        'Transaction too large',
        `a transaction may hold at most ${maxBytes} bytes (transactions.maxBytes)`,
      );
    }
    if (this.bytes + bytes > maxSessionBytes) {
      throw new StompError(
        'limit',
        'Transactions too large',
        `the open transactions of a session may hold at most ${maxSessionBytes} bytes (transactions.maxSessionBytes)`,
      );
    }
    transaction.actions.push(action);
    transaction.bytes += bytes;
    this.bytes += bytes;
  }

  /** Close the transaction and hand back its actions to run. */
  commit(id: string): TransactionAction[] {
    const { actions } = this.close(id);
    return actions;
  }

  abort(id: string): void {
    this.close(id);
  }

  /** Implicit ABORT of everything (DISCONNECT, connection lost). */
  clear(): void {
    this.open.clear();
    this.bytes = 0;
  }

  private close(id: string): OpenTransaction {
    const transaction = this.transaction(id);
    this.open.delete(id);
    this.bytes -= transaction.bytes;
    return transaction;
  }

  private transaction(id: string): OpenTransaction {
    const transaction = this.open.get(id);
    if (transaction === undefined)
      throw new StompError('protocol', 'Unknown transaction', `transaction ${id} is not open`);
    return transaction;
  }
}

/**
 * What a frame held in a transaction weighs: the UTF-8 bytes of its body and header lines, the measure of
 * `limits.maxBodyBytes`, so that a client can predict it. ACKs and NACKs count too, if little.
 */
export function heldBytes(frame: StompFrame): number {
  let bytes = Buffer.byteLength(frame.body);
  for (const [name, value] of frame.headers) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  return bytes;
}
