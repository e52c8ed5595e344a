import { assertIoredisInstalled } from './redis-peer.js';

/*
 * `@sockwire/server/redis`: the Redis broker and the Redis session bus, the only parts of the server that use
 * ioredis. They live behind this subpath so that ioredis can be an optional peer dependency: the main entry
 * never loads it. Importing this entry without ioredis installed throws IoredisMissingError, naming the fix.
 */
assertIoredisInstalled();

export {
  createRedisBroker,
  REDIS_BROKER_DEFAULTS,
  type RedisBroker,
  RedisBrokerError,
  type RedisBrokerErrorReason,
  type RedisBrokerLog,
  type RedisBrokerOptions,
  type RedisBrokerStats,
} from './brokers/redis/index.js';
export {
  createRedisSessionBus,
  RedisSessionBus,
  type RedisSessionBusOptions,
  type SessionBusStats,
} from './cluster/redis-bus.js';
