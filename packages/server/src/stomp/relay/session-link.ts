import type { Consumer, ConsumerHandle, MessageHeaders } from '../../brokers/broker.js';
import { getHeader, type StompHeader, type StompHeaders } from '../codec/frame.js';
import { StompError } from '../errors.js';
import type { BrokerLink, LinkConsumeOptions } from '../session/broker-link.js';
import type { RelayCounters } from './counters.js';
import { brokerDestination } from './destinations.js';
import { RelayedConsumer } from './relayed-consumer.js';
import { reservedQueueName } from './reserved.js';
import type { UpstreamConnection } from './upstream.js';

/**
 * SUBSCRIBE headers the link writes itself; every other one (`durable`, `x-queue-name`, `selector`...) passes,
 * except an `x-queue-name` that reserved.ts refuses.
 */
const SUBSCRIBE_OWN = new Set(['id', 'destination', 'ack', 'receipt', 'prefetch-count', 'content-length']);
/** Resume headers: RabbitMQ reads `x-stream-offset` on streams only, and has no epochs. */
const RESUME_HEADERS = new Set(['x-stream-offset', 'x-stream-epoch']);

/**
 * A resume maps onto RabbitMQ streams: a SUBSCRIBE that names a stream queue (`x-queue-type:stream`) has its
 * `x-stream-offset` passed on, and RabbitMQ replays. Anywhere else RabbitMQ would ignore the header and the
 * client would silently miss what was published while it was away, so it is told instead (a no-history gap).
 */
function isStreamSubscription(headers: StompHeaders): boolean {
  return getHeader(headers, 'x-queue-type') === 'stream';
}

/**
 * A client session's own connection to the broker (Spring's per-session relay connection): its SENDs and
 * SUBSCRIBEs go through it, under the relay's credentials, with destinations in the broker's names and
 * subscription ids and receipts of the relay's own.
 */
export class RelaySessionLink implements BrokerLink {
  private readonly upstream: UpstreamConnection;
  private readonly directExchange: string;
  private readonly counters: RelayCounters;
  private readonly released: () => void;
  private lastId = 0;
  private open = true;

  /** `released` runs once, when the link is closed or its connection lost. */
  constructor(
    upstream: UpstreamConnection,
    directExchange: string,
    counters: RelayCounters,
    released: () => void,
  ) {
    this.upstream = upstream;
    this.directExchange = directExchange;
    this.counters = counters;
    this.released = released;
    counters.connections++;
  }

  publish(
    destination: string,
    headers: MessageHeaders,
    body: string,
    confirm: boolean,
  ): Promise<void> | undefined {
    const frame = {
      command: 'SEND',
      headers: [['destination', brokerDestination(destination, this.directExchange)] as const, ...headers],
      body,
    };
    this.counters.published++;
    return confirm ? this.upstream.request(frame) : this.upstream.send(frame);
  }

  async subscribe(
    destination: string,
    consumer: Consumer,
    options: LinkConsumeOptions,
  ): Promise<ConsumerHandle> {
    const refusal = reservedQueueName(destination, options.headers);
    if (refusal !== undefined) throw new StompError('protocol', 'Invalid x-queue-name', refusal);
    const id = this.upstreamId(options.headers);
    const relayed = new RelayedConsumer(destination, id, this.upstream, consumer, this.counters);
    this.upstream.route(id, (frame) => relayed.deliver(frame));
    const headers: StompHeader[] = [
      ['id', id],
      ['destination', brokerDestination(destination, this.directExchange)],
      ['ack', options.manualAck ? 'client-individual' : 'auto'],
    ];
    if (options.manualAck && options.prefetch !== undefined && options.prefetch > 0) {
      headers.push(['prefetch-count', String(options.prefetch)]);
    }
    const stream = isStreamSubscription(options.headers);
    for (const header of options.headers) {
      if (SUBSCRIBE_OWN.has(header[0])) continue;
      if (header[0] === 'x-stream-epoch' || (!stream && RESUME_HEADERS.has(header[0]))) continue;
      headers.push(header);
    }
    if (options.resume !== undefined && !stream) {
      const requested = options.resume.start.kind === 'offset' ? options.resume.start.offset : undefined;
      consumer.gap?.({ reason: 'no-history', requested, resumedAt: undefined, epoch: undefined });
    }
    try {
      // Confirmed, so that the client's RECEIPT means the broker has bound the subscription's queue.
      await this.upstream.request({ command: 'SUBSCRIBE', headers, body: '' });
    } catch (error) {
      await relayed.cancel();
      throw error;
    }
    // Queues keep messages for an absent consumer, streams can be resumed; anything else is lost meanwhile.
    if (!stream && !/^\/(queue|amq\/queue)\//.test(destination)) relayed.retained = false;
    return relayed;
  }

  close(): void {
    if (!this.release()) return;
    this.upstream.close();
  }

  /** The connection broke: the link is done too. */
  lost(): void {
    this.release();
  }

  private release(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.counters.connections--;
    this.released();
    return true;
  }

  /**
   * A fresh id per SUBSCRIBE, so that a late MESSAGE of an ended subscription never reaches a new one that
   * reuses its client id. A durable subscription keeps the client's id instead: RabbitMQ names the durable
   * queue after it, which is what lets a later session find the same queue again.
   */
  private upstreamId(headers: StompHeaders): string {
    const durable = getHeader(headers, 'durable') === 'true' || getHeader(headers, 'persistent') === 'true';
    const clientId = getHeader(headers, 'id') ?? '';
    if (durable && this.upstream.hasRoute(clientId)) {
      throw new StompError(
        'protocol',
        'Duplicate subscription',
        `subscription id ${clientId} is already in use`,
      );
    }
    if (durable) return clientId;
    let id: string;
    do id = `~${++this.lastId}`;
    while (this.upstream.hasRoute(id));
    return id;
  }
}
