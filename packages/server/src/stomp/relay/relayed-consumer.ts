import type { Consumer, ConsumerHandle, MaybePromise, MessageHeaders } from '../../brokers/broker.js';
import { getHeader, type StompFrame, type StompHeader } from '../codec/frame.js';
import type { RelayCounters } from './counters.js';
import type { UpstreamConnection } from './upstream.js';

/** Headers of the broker's MESSAGE that the session sets itself, or that belong to the relay's own frames. */
const SESSION_HEADERS = new Set([
  'destination',
  'message-id',
  'subscription',
  'ack',
  'redelivered',
  'content-length',
  // RabbitMQ copies a SEND's `receipt` onto the MESSAGE; here it would be one of the relay's receipt ids.
  'receipt',
  // A stream message's position: carried as the message's offset, which the session writes itself.
  'x-stream-offset',
]);

function messageHeaders(headers: readonly StompHeader[]): MessageHeaders {
  return headers.filter((header) => !SESSION_HEADERS.has(header[0]));
}

/**
 * One SUBSCRIBE relayed to the broker, as the session sees a consumer: the broker's MESSAGE frames become
 * deliveries with local tags, and the session's ack/nack of a tag becomes an ACK/NACK of the broker's `ack` id.
 * The session keeps its own ack ids and cumulative (`client`) bookkeeping, and settles deliveries one by one,
 * in order; so upstream the subscription is always `client-individual`.
 */
export class RelayedConsumer implements ConsumerHandle {
  /** The session-side destination (`/user/{key}/queue/x`), which the session's user filtering reads. */
  private readonly destination: string;
  private readonly upstreamId: string;
  private readonly upstream: UpstreamConnection;
  private readonly consumer: Consumer;
  private readonly counters: RelayCounters;
  /** Broker `ack` ids of deliveries not yet settled, by local tag. */
  private readonly unsettled = new Map<number, string>();
  private lastTag = 0;
  private cancelled = false;
  /** Set by the link when RabbitMQ keeps nothing of this destination for an absent subscriber. */
  retained?: false;

  constructor(
    destination: string,
    upstreamId: string,
    upstream: UpstreamConnection,
    consumer: Consumer,
    counters: RelayCounters,
  ) {
    this.destination = destination;
    this.upstreamId = upstreamId;
    this.upstream = upstream;
    this.consumer = consumer;
    this.counters = counters;
    counters.consumers++;
  }

  deliver(frame: StompFrame): void {
    if (this.cancelled) return;
    const tag = ++this.lastTag;
    const ack = getHeader(frame.headers, 'ack');
    if (ack !== undefined) this.unsettled.set(tag, ack);
    const redelivered = getHeader(frame.headers, 'redelivered') === 'true';
    this.counters.delivered++;
    if (redelivered) this.counters.redelivered++;
    // A RabbitMQ stream numbers its messages itself (no epoch: a re-created stream is not detected).
    const offset = getHeader(frame.headers, 'x-stream-offset');
    const message = {
      destination: this.destination,
      id: getHeader(frame.headers, 'message-id') ?? `${this.upstreamId}-${tag}`,
      headers: messageHeaders(frame.headers),
      body: frame.body,
      ...(offset !== undefined && /^[0-9]{1,15}$/.test(offset) ? { offset: Number(offset) } : {}),
    };
    this.consumer.deliver({ message, redelivered, tag });
  }

  ack(tag: number): void {
    this.settle(tag, 'ACK');
  }

  nack(tag: number): void {
    this.settle(tag, 'NACK');
  }

  /** UNSUBSCRIBE, confirmed by the broker, so that an UNSUBSCRIBE's RECEIPT means no more deliveries. */
  cancel(): MaybePromise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    this.counters.consumers--;
    this.unsettled.clear();
    this.upstream.unroute(this.upstreamId);
    // After the link closed, the broker drops the subscription with the connection.
    if (this.upstream.state !== 'connected') return;
    return this.upstream.request({ command: 'UNSUBSCRIBE', headers: [['id', this.upstreamId]], body: '' });
  }

  private settle(tag: number, command: 'ACK' | 'NACK'): void {
    const id = this.unsettled.get(tag);
    if (id === undefined) return;
    this.unsettled.delete(tag);
    void this.upstream.send({ command, headers: [['id', id]], body: '' });
  }
}
