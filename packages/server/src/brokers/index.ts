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
  StreamPosition,
} from './broker.js';
export { BrokerFailure, BrokerQuotaError } from './broker.js';
export {
  type ClaimResult,
  DEDUPE_DEFAULTS,
  type DedupeOptions,
  type DedupeStore,
  MemoryDedupeStore,
} from './dedupe.js';
export {
  HISTORY_DEFAULTS,
  type HistoryLimits,
  type HistoryOptions,
  type HistoryRule,
  parseStreamStart,
  type StreamGap,
  type StreamGapReason,
  type StreamResume,
  type StreamStart,
} from './history.js';
export {
  createMemoryBroker,
  MEMORY_BROKER_DEFAULTS,
  MemoryBroker,
  type MemoryBrokerOptions,
} from './memory/memory-broker.js';
