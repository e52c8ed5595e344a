export {
  parseRelayUrl,
  RELAY_BROKER_PREFIXES,
  RELAY_DEFAULTS,
  type RelayLog,
  type RelayUrl,
  type StompRelayOptions,
} from './options.js';
export { createStompRelay, type StompRelay } from './relay.js';
export type { AvailabilityListener } from './system-connection.js';
