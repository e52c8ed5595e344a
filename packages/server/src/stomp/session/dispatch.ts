import type { MaybePromise } from '../../brokers/broker.js';
import {
  getHeader,
  isClientCommand,
  mayHaveBody,
  type StompFrame,
  type StompHeader,
  type StompVersion,
} from '../codec/frame.js';
import { StompError } from '../errors.js';
import { andThen, sequence } from '../maybe.js';
import { acknowledge } from './ack-command.js';
import { printable, required } from './frame-checks.js';
import type { Outbound } from './outbound.js';
import type { SendCommand } from './send-command.js';
import { positionHeaders } from './stream-headers.js';
import type { SubscriptionCommands } from './subscription-commands.js';
import type { SubscriptionTable } from './subscriptions.js';
import type { TransactionTable } from './transactions.js';

export interface DispatchParts {
  /** Fixed at CONNECTED. */
  readonly version: StompVersion;
  /** Where RECEIPTs are written. */
  readonly outbound: Outbound;
  readonly subscriptions: SubscriptionTable;
  readonly transactions: TransactionTable;
  readonly sends: SendCommand;
  readonly subscribing: SubscriptionCommands;
  /** Close the session (DISCONNECT, after its receipt). */
  readonly close: (code: number, reason: string) => void;
}

/**
 * A CONNECTED session's client frames, by command, each followed by its RECEIPT once it is done. Every
 * failure is a thrown (or rejected) StompError, which the session turns into an ERROR.
 */
export class CommandDispatcher {
  private readonly version: StompVersion;
  private readonly outbound: Outbound;
  private readonly subscriptions: SubscriptionTable;
  private readonly transactions: TransactionTable;
  private readonly sends: SendCommand;
  private readonly subscribing: SubscriptionCommands;
  private readonly close: (code: number, reason: string) => void;

  constructor(parts: DispatchParts) {
    this.version = parts.version;
    this.outbound = parts.outbound;
    this.subscriptions = parts.subscriptions;
    this.transactions = parts.transactions;
    this.sends = parts.sends;
    this.subscribing = parts.subscribing;
    this.close = parts.close;
  }

  dispatch(frame: StompFrame): MaybePromise<void> {
    const { command } = frame;
    if (frame.body !== '' && !mayHaveBody(command) && isClientCommand(command)) {
      throw new StompError('protocol', 'Malformed frame', `${command} must not have a body`);
    }
    const done = this.run(frame);
    if (command === 'DISCONNECT') return done;
    return andThen(done, () => this.receipt(frame));
  }

  private run(frame: StompFrame): MaybePromise<void> {
    switch (frame.command) {
      case 'SEND':
        return this.sends.run(frame);
      case 'SUBSCRIBE':
        return this.subscribing.subscribe(frame);
      case 'UNSUBSCRIBE':
        return this.subscribing.unsubscribe(frame);
      case 'ACK':
        return acknowledge(frame, false, this.version, this.subscriptions, this.transactions);
      case 'NACK':
        if (this.version === '1.0') break;
        return acknowledge(frame, true, this.version, this.subscriptions, this.transactions);
      case 'BEGIN':
        this.transactions.begin(required(frame, 'transaction'));
        return;
      case 'COMMIT': {
        const actions = this.transactions.commit(required(frame, 'transaction'));
        return sequence(actions, (action) => action());
      }
      case 'ABORT':
        this.transactions.abort(required(frame, 'transaction'));
        return;
      case 'DISCONNECT':
        this.receipt(frame);
        this.close(1000, 'Normal closure');
        return;
      case 'CONNECT':
      case 'STOMP':
        throw new StompError('protocol', 'Already connected', 'this session is already connected');
    }
    throw new StompError(
      'protocol',
      'Unknown command',
      `${printable(frame.command)} is not a STOMP ${this.version} client command`,
    );
  }

  /** The RECEIPT a frame asked for; a SUBSCRIBE's also says where its subscription stands (stream-headers.ts). */
  private receipt(frame: StompFrame): void {
    const receipt = getHeader(frame.headers, 'receipt');
    if (receipt === undefined) return;
    const headers: StompHeader[] = [['receipt-id', receipt]];
    if (frame.command === 'SUBSCRIBE') {
      headers.push(...positionHeaders(this.subscriptions.get(getHeader(frame.headers, 'id') ?? '')?.handle));
    }
    this.outbound.frame({ command: 'RECEIPT', headers, body: '' }, this.version);
  }
}
