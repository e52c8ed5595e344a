export { REDIS_BROKER_DEFAULTS, type RedisBrokerLog, type RedisBrokerOptions } from './options.js';
export {
  createRedisBroker,
  type RedisBroker,
  RedisBrokerError,
  type RedisBrokerErrorReason,
  type RedisBrokerStats,
} from './redis-broker.js';
