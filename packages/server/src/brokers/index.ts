export type {
  BrokerMessage,
  BrokerStats,
  ConsumeOptions,
  Consumer,
  ConsumerHandle,
  Delivery,
  MaybePromise,
  MessageBroker,
  MessageHeaders,
} from './broker.js';
export { BrokerFailure } from './broker.js';
export {
  createMemoryBroker,
  MEMORY_BROKER_DEFAULTS,
  MemoryBroker,
  type MemoryBrokerOptions,
} from './memory/memory-broker.js';
