import type { StompVersion } from '../codec/frame.js';
import type { SessionInfo, StompPrincipal } from '../types.js';
import { ApplicationHandlers } from './application.js';
import { Authorizer } from './authorization.js';
import type { BrokerLink } from './broker-link.js';
import type { SessionContext } from './context.js';
import { Deliveries } from './delivery.js';
import { CommandDispatcher } from './dispatch.js';
import type { SessionStatus } from './lifecycle.js';
import type { Outbound } from './outbound.js';
import { SendCommand } from './send-command.js';
import { SubscriptionCommands } from './subscription-commands.js';
import type { SubscriptionTable } from './subscriptions.js';
import type { TransactionTable } from './transactions.js';

/** What CONNECT settled, and the session's parts its commands work with. */
export interface ConnectedSession {
  readonly info: SessionInfo;
  readonly version: StompVersion;
  readonly principal: StompPrincipal | undefined;
  /** Where the session's own SENDs and SUBSCRIBEs go. */
  readonly link: BrokerLink;
  readonly status: SessionStatus;
  readonly subscriptions: SubscriptionTable;
  readonly transactions: TransactionTable;
  readonly outbound: Outbound;
  /** End the session with an ERROR. */
  readonly fail: (error: unknown) => void;
  /** End the session without one. */
  readonly close: (code: number, reason: string) => void;
}

/**
 * The commands of a session that just got CONNECTED, each given only the parts it uses. Built once per
 * session, so that the version, the user and the link are fixed fields on every frame's path.
 */
export function connectedCommands(session: ConnectedSession, shared: SessionContext): CommandDispatcher {
  const { info, version, principal, link, status, subscriptions, transactions, outbound } = session;
  const { options, router, events } = shared;
  const deliveries = new Deliveries({
    sessionId: info.id,
    version,
    userPrefix: router.userPrefix,
    status,
    subscriptions,
    outbound,
    fail: session.fail,
  });
  const authorizer = new Authorizer(options.authorize, options.log, principal, info);
  const applications = new ApplicationHandlers({
    session: info,
    principal,
    handlers: shared.handlers,
    router,
    broker: shared.broker,
    applicationReply: options.applicationReply,
    deliveries,
  });
  const sends = new SendCommand({
    principal,
    router,
    link,
    applications,
    authorizer,
    transactions,
    dedupe: shared.dedupe,
    clock: options.clock,
  });
  const subscribing = new SubscriptionCommands({
    session: info,
    principal,
    status,
    subscriptions,
    limits: options,
    router,
    link,
    applications,
    authorizer,
    deliveries,
    events,
  });
  const { close } = session;
  return new CommandDispatcher({ version, outbound, subscriptions, transactions, sends, subscribing, close });
}
