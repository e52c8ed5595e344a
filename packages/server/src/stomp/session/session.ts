import type { MaybePromise } from '../../brokers/broker.js';
import type { CloseInfo } from '../../connection.js';
import type { StompFrame, StompVersion } from '../codec/frame.js';
import { StompParser } from '../codec/parser.js';
import type { StompConnection } from '../connection-port.js';
import { CLOSE_CODE_BY_KIND, StompError } from '../errors.js';
import { andThen } from '../maybe.js';
import type { HeartbeatPlan } from '../negotiate.js';
import type { SessionInfo, StompPrincipal } from '../types.js';
import type { BrokerLink } from './broker-link.js';
import { connectedCommands } from './connected.js';
import type { SessionContext } from './context.js';
import type { CommandDispatcher } from './dispatch.js';
import { printable } from './frame-checks.js';
import { type ConnectingSession, connect } from './handshake.js';
import { HeartbeatMonitor } from './heartbeat.js';
import { interceptInbound } from './inbound-interceptors.js';
import { SerialInbox } from './inbox.js';
import { SessionLifecycle } from './lifecycle.js';
import { Outbound } from './outbound.js';
import {
  connectTimeout,
  errorFrame,
  heartbeatTimeout,
  slowConsumer,
  tooManyPendingFrames,
  toStompError,
} from './session-errors.js';
import { endSubscriptions } from './subscription-commands.js';
import { SubscriptionTable } from './subscriptions.js';
import { TransactionTable } from './transactions.js';

/**
 * One client's STOMP conversation over one Connection, and the owner of its life (lifecycle.ts). A frame's way:
 * connection `data` → parser → inbox (one frame at a time) → inbound interceptors → before CONNECTED the
 * handshake (handshake.ts), after it the command dispatcher (dispatch.ts) → a command → broker link, handler
 * or reply. What the session writes goes through its Outbound; what the broker delivers, through Deliveries.
 */
export class StompSession {
  readonly id: string;
  /** The session as hooks, handlers and listeners see it. */
  readonly info: SessionInfo;
  private readonly connection: StompConnection;
  private readonly context: SessionContext;
  private readonly lifecycle: SessionLifecycle;
  private readonly subscriptions: SubscriptionTable;
  private readonly transactions: TransactionTable;
  private readonly outbound: Outbound;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly parser: StompParser;
  private readonly inbox: SerialInbox<StompFrame>;
  /** What CONNECT may read and do (handshake.ts). */
  private readonly handshake: ConnectingSession;
  /** Set at CONNECTED: from then on it takes every frame. */
  private commands: CommandDispatcher | undefined;
  private negotiated: StompVersion | undefined;
  private user: StompPrincipal | undefined;
  private brokerLink: BrokerLink | undefined;
  private connectTimer: unknown;

  constructor(connection: StompConnection, context: SessionContext) {
    const { options } = context;
    this.id = connection.id;
    this.connection = connection;
    this.context = context;
    this.lifecycle = new SessionLifecycle(connection.id);
    const session = this;
    this.info = {
      id: connection.id,
      transport: connection.transport,
      remoteAddress: connection.remoteAddress,
      get version() {
        return session.negotiated;
      },
      get principal() {
        return session.user;
      },
    };
    this.subscriptions = new SubscriptionTable(options.maxUnacked);
    this.transactions = new TransactionTable({
      maxOpen: options.maxOpenTransactions,
      maxFrames: options.maxTransactionFrames,
      maxBytes: options.maxTransactionBytes,
      maxSessionBytes: options.maxSessionTransactionBytes,
    });
    this.heartbeat = new HeartbeatMonitor(options.clock, {
      sendBeat: () => this.outbound.heartbeat(),
      onTimeout: () => this.fail(heartbeatTimeout()),
    });
    this.outbound = new Outbound(
      connection,
      options.clock,
      {
        maxBufferedBytes: options.maxBufferedBytes,
        sendTimeLimit: options.sendTimeLimit,
        interceptors: options.outbound,
      },
      context.stats,
      this.info,
      {
        onWrite: () => this.heartbeat.wrote(),
        onOverflow: (reason) => this.fail(slowConsumer(reason)),
      },
    );
    this.parser = new StompParser({
      limits: options.limits,
      onFrame: (frame) => {
        if (!this.inbox.push(frame)) this.fail(tooManyPendingFrames(options.maxPendingFrames));
      },
      onHeartbeat: () => {
        context.stats.heartbeatsIn++;
      },
    });
    this.inbox = new SerialInbox(
      (frame) => this.process(frame),
      (error) => this.fail(error),
      options.maxPendingFrames,
    );
    this.handshake = {
      info: this.info,
      connection,
      negotiated: (version) => this.negotiate(version),
      accepted: (version, principal, connected, plan, link) =>
        this.accept(version, principal, connected, plan, link),
      linkLost: (error) => this.fail(error),
    };
    context.stats.sessionOpened(connection.transport);
    connection.on('data', this.onData);
    connection.on('close', this.onClose);
    this.connectTimer = options.clock.setTimeout(() => {
      this.connectTimer = undefined;
      const { state } = this.lifecycle;
      if (state !== 'awaiting-connect' && state !== 'connecting') return;
      this.fail(connectTimeout(options.connectTimeout));
    }, options.connectTimeout);
  }

  /** End the session from the server side (broker shutdown). */
  shutdown(code: number, reason: string): void {
    this.closeWith(code, reason);
  }

  private readonly onData = (message: string): void => {
    if (this.lifecycle.ended) return;
    this.heartbeat.read();
    try {
      this.parser.push(message);
    } catch (error) {
      this.fail(error);
    }
  };

  /** The inbox's step: one parsed frame, through the inbound interceptors, to its command. */
  private process(frame: StompFrame): MaybePromise<void> {
    if (this.lifecycle.ended) return;
    this.context.stats.frameIn(frame.command);
    let result: MaybePromise<void>;
    try {
      result = andThen(interceptInbound(this.context.options.inbound, frame, this.info), (accepted) =>
        accepted === null ? undefined : this.dispatch(accepted),
      );
    } catch (error) {
      this.fail(error, frame);
      return;
    }
    if (result instanceof Promise) return result.catch((error: unknown) => this.fail(error, frame));
  }

  private dispatch(frame: StompFrame): MaybePromise<void> {
    if (this.commands !== undefined) return this.commands.dispatch(frame);
    // Not CONNECTED yet. A session that ended before it ever was (its interceptors were still running) drops
    // the frame: any error would go nowhere.
    if (this.lifecycle.state !== 'awaiting-connect') return;
    const { command } = frame;
    if (command === 'CONNECT' || command === 'STOMP') {
      return connect(frame, this.handshake, this.context.options, this.context.links);
    }
    throw new StompError(
      'protocol',
      'Not connected',
      `the first frame must be CONNECT or STOMP, not ${printable(command)}`,
    );
  }

  /** CONNECT was read: frames it pipelined are parsed with its version's header escaping. */
  private negotiate(version: StompVersion): void {
    this.negotiated = version;
    this.parser.setVersion(version);
    this.lifecycle.moveTo('connecting');
  }

  /** Authentication succeeded and the broker link is open: from here on frames other than CONNECT are accepted. */
  private accept(
    version: StompVersion,
    principal: StompPrincipal | undefined,
    connected: StompFrame,
    plan: HeartbeatPlan,
    link: BrokerLink,
  ): void {
    if (this.lifecycle.state !== 'connecting') {
      // The client left while the link was being opened.
      link.close();
      return;
    }
    this.user = principal;
    this.brokerLink = link;
    this.commands = connectedCommands(
      {
        info: this.info,
        version,
        principal,
        link,
        status: this.lifecycle,
        subscriptions: this.subscriptions,
        transactions: this.transactions,
        outbound: this.outbound,
        fail: (error) => this.fail(error),
        close: (code, reason) => this.closeWith(code, reason),
      },
      this.context,
    );
    this.lifecycle.moveTo('connected');
    this.clearConnectTimer();
    this.context.connected(this.info);
    this.send(connected);
    this.heartbeat.start(plan, this.context.options.heartbeatTolerance);
  }

  private send(frame: StompFrame): void {
    this.outbound.frame(frame, this.negotiated);
  }

  /** Send ERROR for `error` (about `frame`, whose receipt it echoes) and close. */
  private fail(error: unknown, frame?: StompFrame): void {
    if (this.lifecycle.ended) return;
    const { options, stats } = this.context;
    const problem = toStompError(error, this.id, options.log);
    stats.error(problem.kind);
    if (problem.kind === 'slow-consumer') {
      // An ERROR would only queue behind what the client is already not reading.
      this.closeWith(options.slowConsumerCloseCode, problem.summary);
      return;
    }
    this.send(errorFrame(problem, frame));
    options.log('debug', `STOMP session ${this.id}: ${problem.summary}: ${problem.message}`);
    this.closeWith(CLOSE_CODE_BY_KIND[problem.kind], problem.summary);
  }

  private closeWith(code: number, reason: string): void {
    if (this.lifecycle.ended) return;
    this.lifecycle.moveTo('closing');
    this.teardown();
    this.connection.close(code, reason);
  }

  private readonly onClose = (info: CloseInfo): void => {
    if (this.lifecycle.state === 'closed') return;
    // A connection lost without DISCONNECT: implicit ABORT, and unacknowledged messages go back to the broker.
    if (this.lifecycle.state !== 'closing') this.teardown();
    this.lifecycle.moveTo('closed');
    this.connection.off('data', this.onData);
    this.connection.off('close', this.onClose);
    this.context.stats.sessionClosed(this.connection.transport);
    this.context.closed(this.info, info);
  };

  /** Release everything the session holds; writing stops here too. */
  private teardown(): void {
    this.inbox.stop();
    this.heartbeat.stop();
    this.clearConnectTimer();
    this.transactions.clear();
    this.outbound.close();
    // Closed first: a relay link's subscriptions end with its connection, not one UNSUBSCRIBE at a time.
    this.brokerLink?.close();
    endSubscriptions(this.subscriptions, this.context.events, this.info, this.context.options.log);
  }

  private clearConnectTimer(): void {
    if (this.connectTimer === undefined) return;
    this.context.options.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }
}
