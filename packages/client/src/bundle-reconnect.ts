/* Entry of `sockwire-reconnect.min.js`: everything `sockwire.min.js` has, plus the reconnecting wrapper. */
export * from './index.js';
export * from './reconnect.js';
