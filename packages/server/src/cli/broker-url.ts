import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { HistoryLimits } from '../brokers/history.js';
import type { SessionBus } from '../cluster/session-bus.js';
import { IoredisMissingError } from '../redis-peer.js';
import type { StompBrokerOptions } from '../stomp/options.js';
import { relayFromUrl } from './relay-broker.js';
import type { QueueQuotas } from './serve-args.js';

/** What `--broker <url>` gives `sockwire serve`: where messages go, and how nodes share HTTP sessions. */
export interface BrokerChoice {
  /** Options for `createStompBroker` (its message broker). */
  readonly stomp: Partial<StompBrokerOptions>;
  /** The session bus for running behind a non-sticky balancer, or undefined for a single node. */
  readonly cluster?: SessionBus;
  readonly description: string;
  close(): Promise<void>;
}

/**
 * `redis://host:port[/db]`: topics, queues and user destinations shared by every node through Redis, and
 * SockJS sessions served from any node (no sticky sessions). One Redis URL serves both. `history` (from
 * `--history-size` / `--history-ttl`) bounds the topic history the Redis broker keeps; a relay keeps none.
 * `clusterSecret` (`--cluster-secret`) signs the session bus's messages between nodes. `quotas` (`--max-queues`,
 * ...) bound the Redis broker's queues; a relay's queues are RabbitMQ's to bound, so they are refused there.
 */
export async function brokerFromUrl(
  url: string,
  nodeId: string = defaultNodeId(),
  history?: HistoryLimits,
  clusterSecret?: string,
  quotas?: QueueQuotas,
): Promise<BrokerChoice> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`sockwire serve: --broker needs a URL such as redis://127.0.0.1:6379, got ${url}`);
  }
  if (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') {
    const { createRedisBroker, createRedisSessionBus } = await loadRedis();
    const broker = await createRedisBroker({
      url,
      nodeId,
      ...(history === undefined ? {} : { history }),
      ...quotas,
    });
    const secret = clusterSecret === undefined ? {} : { secret: clusterSecret };
    const cluster = await createRedisSessionBus({ url, nodeId, ...secret }).catch(async (error: unknown) => {
      await broker.close();
      throw error;
    });
    return {
      stomp: { broker },
      cluster,
      description: `Redis at ${parsed.host} (node ${nodeId})`,
      close: async () => {
        await broker.close();
      },
    };
  }
  if (clusterSecret !== undefined) {
    // Only the Redis session bus has messages between nodes to sign; ignoring the flag would look safe.
    throw new TypeError('sockwire serve: --cluster-secret applies only to --broker redis://');
  }
  if (parsed.protocol === 'stomp:') {
    if (quotas !== undefined) {
      // Said rather than ignored, and before connecting.
      throw new TypeError(
        'sockwire serve: --max-queues, --max-queued-bytes, --max-total-queued-bytes and --queue-idle-ttl apply to the in-memory broker and --broker redis:// only (RabbitMQ limits its own queues: x-max-length, x-expires)',
      );
    }
    if (history !== undefined) {
      // Said rather than ignored, and before connecting: the relay keeps no history of its own.
      throw new TypeError(
        "sockwire serve: --history-size and --history-ttl do not apply to --broker stomp://: history there is RabbitMQ's (resume from a stream queue, x-queue-type: stream)",
      );
    }
    return relayFromUrl(url);
  }
  throw new TypeError(
    `sockwire serve: unsupported --broker scheme ${parsed.protocol} (use redis://host:port or stomp://user:pass@host:61613)`,
  );
}

/**
 * The Redis entry, loaded only for a redis:// URL: ioredis is an optional peer of the package, and a server on
 * the memory broker or a relay must start without it. Without it, one line saying what to install (a TypeError,
 * which the CLI prints as such and exits with status 2).
 */
async function loadRedis(): Promise<typeof import('../redis.js')> {
  try {
    return await import('../redis.js');
  } catch (error) {
    if (error instanceof IoredisMissingError) {
      throw new TypeError(
        'sockwire serve: --broker redis:// needs the ioredis package, which is not installed: run `npm install ioredis` where @sockwire/server is installed',
        { cause: error },
      );
    }
    throw error;
  }
}

function defaultNodeId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}
