import { createRequire } from 'node:module';
import type { EventSourceConstructor, SockwireSocketOptions } from '@sockwire/client';
import WebSocket from 'ws';

/*
 * The constructors Node 20 lacks. `eventsource` is loaded through require because its package exports a
 * `source` condition pointing at TypeScript sources, which the repository's `customConditions: ["source"]`
 * would make tsc type-check (and they do not pass under our settings).
 */
const { EventSource } = createRequire(import.meta.url)('eventsource') as {
  EventSource: EventSourceConstructor;
};

export { EventSource, WebSocket };

/** Options that give the socket every constructor it can use in Node. */
export const nodeEnv: Pick<SockwireSocketOptions, 'WebSocket' | 'EventSource'> = { WebSocket, EventSource };
