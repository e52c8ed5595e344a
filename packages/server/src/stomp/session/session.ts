import type { BrokerMessage, Delivery, MaybePromise } from '../../brokers/broker.js';
import type { StreamGap } from '../../brokers/history.js';
import type { CloseInfo } from '../../connection.js';
import { getHeader, type StompFrame, type StompHeader, type StompVersion } from '../codec/frame.js';
import { StompParser } from '../codec/parser.js';
import type { StompConnection } from '../connection-port.js';
import { CLOSE_CODE_BY_KIND, StompError } from '../errors.js';
import { andThen } from '../maybe.js';
import type { SessionInfo, StompPrincipal } from '../types.js';
import { guard, wrapAppError } from './app-errors.js';
import type { BrokerLink } from './broker-link.js';
import { CommandProcessor } from './commands.js';
import type { SessionContext } from './context.js';
import { HeartbeatMonitor } from './heartbeat.js';
import { SerialInbox } from './inbox.js';
import { encodeMessage, messageFrame, TARGET_SESSION_HEADER } from './message-encoding.js';
import { Outbound } from './outbound.js';
import { toStompError } from './session-errors.js';
import { gapHeaders, positionHeaders } from './stream-headers.js';
import { type Subscription, SubscriptionTable } from './subscriptions.js';
import { TransactionTable } from './transactions.js';

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

/** One client's STOMP conversation over one Connection. */
export class StompSession {
  readonly id: string;
  readonly connection: StompConnection;
  readonly context: SessionContext;
  readonly info: SessionInfo;
  readonly subscriptions: SubscriptionTable;
  readonly transactions: TransactionTable;
  readonly outbound: Outbound;
  private readonly parser: StompParser;
  private readonly inbox: SerialInbox<StompFrame>;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly commands: CommandProcessor;
  private currentState: SessionState = 'awaiting-connect';
  private negotiated: StompVersion | undefined;
  private user: StompPrincipal | undefined;
  private brokerLink: BrokerLink | undefined;
  private connectTimer: unknown;
  private lastReplyId = 0;

  constructor(connection: StompConnection, context: SessionContext) {
    const { options } = context;
    this.id = connection.id;
    this.connection = connection;
    this.context = context;
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
      onTimeout: () =>
        this.fail(
          new StompError(
            'heartbeat',
            'Heart-beat timeout',
            'nothing was received within the agreed heart-beat interval',
          ),
        ),
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
        onOverflow: (reason) => this.fail(new StompError('slow-consumer', 'Slow consumer', reason)),
      },
    );
    this.parser = new StompParser({
      limits: options.limits,
      onFrame: (frame) => {
        if (this.inbox.push(frame)) return;
        this.fail(
          new StompError(
            'limit',
            'Too many pending frames',
            `more than ${options.maxPendingFrames} frames are waiting`,
          ),
        );
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
    this.commands = new CommandProcessor(this);
    context.stats.sessionOpened(connection.transport);
    connection.on('data', this.onData);
    connection.on('close', this.onClose);
    this.connectTimer = options.clock.setTimeout(() => {
      this.connectTimer = undefined;
      if (this.currentState !== 'awaiting-connect' && this.currentState !== 'connecting') return;
      this.fail(
        new StompError(
          'connect-timeout',
          'Connect timeout',
          `no CONNECT was accepted within ${options.connectTimeout} ms`,
        ),
      );
    }, options.connectTimeout);
  }

  get state(): SessionState {
    return this.currentState;
  }

  get version(): StompVersion | undefined {
    return this.negotiated;
  }

  get principal(): StompPrincipal | undefined {
    return this.user;
  }

  /** Where this session's SENDs and SUBSCRIBEs go; set at CONNECTED, before any of them is processed. */
  get link(): BrokerLink {
    if (this.brokerLink === undefined)
      throw new Error(`Sockwire STOMP: session ${this.id} has no broker link`);
    return this.brokerLink;
  }

  /** The broker link broke (a relay lost its connection): the client is told why, and the session ends. */
  readonly linkLost = (error: StompError): void => this.fail(error);

  /** The version is known as soon as CONNECT is read, before authentication ends. */
  beginConnect(version: StompVersion): void {
    this.negotiated = version;
    this.parser.setVersion(version);
    this.setState('connecting');
  }

  /** Authentication succeeded: from here on frames other than CONNECT are accepted. */
  completeConnect(
    principal: StompPrincipal | undefined,
    connected: StompFrame,
    plan: { outgoing: number; incoming: number },
    link: BrokerLink,
  ): void {
    if (this.currentState !== 'connecting') {
      // The client left while the link was being opened.
      link.close();
      return;
    }
    this.user = principal;
    this.brokerLink = link;
    this.setState('connected');
    this.clearConnectTimer();
    this.context.connected(this.info);
    this.send(connected);
    this.heartbeat.start(plan, this.context.options.heartbeatTolerance);
  }

  send(frame: StompFrame): void {
    this.outbound.frame(frame, this.negotiated);
  }

  receipt(frame: StompFrame): void {
    const receipt = getHeader(frame.headers, 'receipt');
    if (receipt === undefined) return;
    const headers: StompHeader[] = [['receipt-id', receipt]];
    if (frame.command === 'SUBSCRIBE') {
      headers.push(...positionHeaders(this.subscriptions.get(getHeader(frame.headers, 'id') ?? '')?.handle));
    }
    this.send({ command: 'RECEIPT', headers, body: '' });
  }

  /** A broker delivery for one of this session's subscriptions. */
  deliver(subscription: Subscription, delivery: Delivery): void {
    const { message } = delivery;
    if (this.subscriptions.get(subscription.id) !== subscription || this.currentState !== 'connected') return;
    if (!this.isForThisSession(message)) {
      // Meant for another session of the same user: settle it here so the broker does not wait for us.
      subscription.handle?.ack(delivery.tag);
      return;
    }
    let ackId: string | undefined;
    try {
      ackId = this.subscriptions.track(subscription, delivery.tag, message.id);
    } catch (error) {
      this.fail(error); // maxUnacked: nothing else is kept for the session
      return;
    }
    const address = {
      destination: subscription.destination,
      subscription: subscription.id,
      ackId,
      redelivered: delivery.redelivered,
    };
    if (this.outbound.hasInterceptors) this.send(messageFrame(message, address));
    else this.outbound.text(encodeMessage(message, address, this.negotiated), 'MESSAGE');
  }

  /** A subscribe handler's one-off answer, straight to the subscriber (it never passes the broker). */
  reply(subscription: Subscription, body: string, headers: readonly StompHeader[]): void {
    const message: BrokerMessage = {
      destination: subscription.destination,
      id: `${this.id}-r${++this.lastReplyId}`,
      headers,
      body,
    };
    // No broker holds this message, so its tag only has to be unique here; an ACK of it settles nothing else.
    this.deliver(subscription, { message, redelivered: false, tag: -this.lastReplyId });
  }

  /**
   * A resume that missed messages: a MESSAGE on the subscription with no application message, whose
   * `x-stream-gap` header names the reason (plain STOMP clients can read it), before what is replayed.
   */
  gap(subscription: Subscription, gap: StreamGap): void {
    this.reply(subscription, '', gapHeaders(gap));
  }

  /** Flow control for a replay to one of this session's subscriptions (Outbound.whenWritable). */
  whenWritable(resume: () => void): boolean {
    return this.currentState === 'connected' && this.outbound.whenWritable(resume);
  }

  /** The DISCONNECT: receipt, then close. */
  disconnect(frame: StompFrame): void {
    this.receipt(frame);
    this.closeWith(1000, 'Normal closure');
  }

  /** End the session from the server side (broker shutdown). */
  shutdown(code: number, reason: string): void {
    this.closeWith(code, reason);
  }

  /** Send ERROR for `error` (about `frame`, whose receipt it echoes) and close. */
  fail(error: unknown, frame?: StompFrame): void {
    if (this.currentState === 'closing' || this.currentState === 'closed') return;
    const problem = toStompError(error, this.id, this.context.options.log);
    this.context.stats.error(problem.kind);
    if (problem.kind === 'slow-consumer') {
      // An ERROR would only queue behind what the client is already not reading.
      this.closeWith(this.context.options.slowConsumerCloseCode, problem.summary);
      return;
    }
    const headers: StompHeader[] = [['message', problem.summary]];
    const receipt = frame === undefined ? undefined : getHeader(frame.headers, 'receipt');
    if (receipt !== undefined) headers.push(['receipt-id', receipt]);
    headers.push(...problem.headers, ['content-type', 'text/plain;charset=UTF-8']);
    this.send({ command: 'ERROR', headers, body: problem.message });
    this.context.options.log('debug', `STOMP session ${this.id}: ${problem.summary}: ${problem.message}`);
    this.closeWith(CLOSE_CODE_BY_KIND[problem.kind], problem.summary);
  }

  private readonly onData = (message: string): void => {
    if (this.currentState === 'closing' || this.currentState === 'closed') return;
    this.heartbeat.read();
    try {
      this.parser.push(message);
    } catch (error) {
      this.fail(error);
    }
  };

  private readonly onClose = (info: CloseInfo): void => {
    if (this.currentState === 'closed') return;
    // A connection lost without DISCONNECT: implicit ABORT, and unacknowledged messages go back to the broker.
    if (this.currentState !== 'closing') this.teardown();
    this.setState('closed');
    this.connection.off('data', this.onData);
    this.connection.off('close', this.onClose);
    this.context.stats.sessionClosed(this.connection.transport);
    this.context.closed(this.info, info);
  };

  private process(frame: StompFrame): MaybePromise<void> {
    if (this.currentState === 'closing' || this.currentState === 'closed') return;
    this.context.stats.frameIn(frame.command);
    let result: MaybePromise<void>;
    try {
      result = andThen(this.intercept(frame, 0), (accepted) =>
        accepted === null ? undefined : this.commands.dispatch(accepted),
      );
    } catch (error) {
      this.fail(error, frame);
      return;
    }
    if (result instanceof Promise) return result.catch((error: unknown) => this.fail(error, frame));
  }

  /** Run inbound interceptors from `index` on; null means the frame was dropped. */
  private intercept(frame: StompFrame, index: number): MaybePromise<StompFrame | null> {
    const interceptors = this.context.options.inbound;
    for (let i = index; i < interceptors.length; i++) {
      const interceptor = interceptors[i] as (typeof interceptors)[number];
      const result = guard(() => interceptor(frame, this.info), 'interceptor');
      if (result instanceof Promise) {
        return result.then(
          (replaced) => (replaced === null ? null : this.intercept(replaced ?? frame, i + 1)),
          (error: unknown) => {
            throw wrapAppError(error, 'interceptor');
          },
        );
      }
      if (result === null) return null;
      if (result !== undefined) frame = result;
    }
    return frame;
  }

  private isForThisSession(message: BrokerMessage): boolean {
    if (!message.destination.startsWith(this.context.router.userPrefix)) return true;
    for (const [name, value] of message.headers) if (name === TARGET_SESSION_HEADER) return value === this.id;
    return true;
  }

  private closeWith(code: number, reason: string): void {
    if (this.currentState === 'closing' || this.currentState === 'closed') return;
    this.setState('closing');
    this.teardown();
    this.connection.close(code, reason);
  }

  /** Release everything the session holds; writing stops here too. */
  private teardown(): void {
    this.inbox.stop();
    this.heartbeat.stop();
    this.clearConnectTimer();
    this.transactions.clear();
    this.outbound.close();
    // Closed first: a relay link's subscriptions end with its connection, not one UNSUBSCRIBE at a time.
    this.brokerLink?.close();
    for (const subscription of this.subscriptions.drain()) {
      if (subscription.announced) {
        const event = { session: this.info, subscription: subscription.info, cause: 'disconnect' } as const;
        this.context.events.emit('unsubscribed', event);
      }
      const cancelled = subscription.handle?.cancel();
      if (cancelled instanceof Promise) {
        cancelled.catch((error: unknown) =>
          this.context.options.log('error', `STOMP unsubscribe failed: ${String(error)}`),
        );
      }
    }
  }

  private clearConnectTimer(): void {
    if (this.connectTimer === undefined) return;
    this.context.options.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private setState(next: SessionState): void {
    if (!TRANSITIONS[this.currentState].includes(next)) {
      throw new Error(`Sockwire STOMP: session ${this.id} cannot go from ${this.currentState} to ${next}`);
    }
    this.currentState = next;
  }
}
