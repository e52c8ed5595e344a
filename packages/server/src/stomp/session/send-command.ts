import type { MaybePromise } from '../../brokers/broker.js';
import type { DedupeStore } from '../../brokers/dedupe.js';
import type { StompClock } from '../clock.js';
import { getHeader, type StompFrame } from '../codec/frame.js';
import type { DestinationRouter } from '../destinations.js';
import { StompError } from '../errors.js';
import { andThen } from '../maybe.js';
import type { StompPrincipal } from '../types.js';
import type { ApplicationHandlers } from './application.js';
import type { Authorizer } from './authorization.js';
import type { BrokerLink } from './broker-link.js';
import { required } from './frame-checks.js';
import { IDEMPOTENCY_HEADER, runOnce, scopedIdempotencyKey } from './idempotent-send.js';
import { sentHeaders } from './message-encoding.js';
import { heldBytes, type TransactionTable } from './transactions.js';

export interface SendParts {
  readonly principal: StompPrincipal | undefined;
  readonly router: DestinationRouter;
  /** Where a SEND to a broker destination goes. */
  readonly link: BrokerLink;
  /** Where a SEND to an application destination goes. */
  readonly applications: ApplicationHandlers;
  readonly authorizer: Authorizer;
  /** A SEND with a `transaction` header waits here for its COMMIT. */
  readonly transactions: TransactionTable;
  /** Keys of idempotent SENDs; undefined when deduplication is off. */
  readonly dedupe: DedupeStore | undefined;
  readonly clock: StompClock;
}

/** SEND: to the broker link or an application handler, now or at its transaction's COMMIT, at most once per key. */
export class SendCommand {
  private readonly user: string | undefined;
  private readonly router: DestinationRouter;
  private readonly link: BrokerLink;
  private readonly applications: ApplicationHandlers;
  private readonly authorizer: Authorizer;
  private readonly transactions: TransactionTable;
  private readonly dedupe: DedupeStore | undefined;
  private readonly clock: StompClock;

  constructor(parts: SendParts) {
    this.user = parts.principal?.name;
    this.router = parts.router;
    this.link = parts.link;
    this.applications = parts.applications;
    this.authorizer = parts.authorizer;
    this.transactions = parts.transactions;
    this.dedupe = parts.dedupe;
    this.clock = parts.clock;
  }

  run(frame: StompFrame): MaybePromise<void> {
    const destination = required(frame, 'destination');
    const transaction = getHeader(frame.headers, 'transaction');
    const route = this.router.forSend(destination);
    if (route.kind === 'invalid') throw new StompError('protocol', 'Unknown destination', route.reason);
    const idempotencyKey = getHeader(frame.headers, IDEMPOTENCY_HEADER);
    const dedupeKey =
      idempotencyKey === undefined ? undefined : scopedIdempotencyKey(idempotencyKey, this.user);
    return andThen(this.authorizer.authorize('send', destination), () => {
      let action: () => MaybePromise<void>;
      if (route.kind === 'application') {
        const match = this.applications.handlerFor('message', route.path, destination);
        action = () => this.applications.run(match, frame, destination, route.path, undefined);
      } else {
        const headers = sentHeaders(frame.headers);
        // A RECEIPT (and a COMMIT's) must mean the broker has the message, even a remote one.
        const confirm = transaction !== undefined || getHeader(frame.headers, 'receipt') !== undefined;
        // Whether the publish creates a queue is asked right before it (at COMMIT in a transaction), when the
        // answer is current, rather than when the SEND arrived.
        action = () =>
          andThen(this.authorizeCreate(route.destination, destination), () =>
            this.link.publish(route.destination, headers, frame.body, confirm),
          );
      }
      const { dedupe } = this;
      if (dedupeKey !== undefined && dedupe !== undefined) {
        // A re-sent SEND (same key, after a cut) is confirmed without being published or handled again.
        const once = action;
        action = () => runOnce(dedupe, dedupeKey, this.clock, once);
      }
      if (transaction === undefined) return action();
      this.transactions.add(transaction, action, heldBytes(frame));
    });
  }

  /**
   * A client's SEND that would create a queue needs `authorize(..., 'create', ...)` as well as `'send'`: a queue
   * keeps what is sent to it for consumers who may never come, so making one is a right of its own. Asked only
   * when an authorize hook is set and the broker can tell (MessageBroker.wouldCreate); `destination` is the
   * broker's name, `written` the client's.
   */
  private authorizeCreate(destination: string, written: string): MaybePromise<void> {
    const { link } = this;
    if (!this.authorizer.enabled || link.wouldCreate === undefined) return;
    return andThen(link.wouldCreate(destination), (creates) =>
      creates ? this.authorizer.authorize('create', written) : undefined,
    );
  }
}
