import { SockwireSocket as CoreSocket } from './socket.js';
import { EventSourceTransport } from './transports/eventsource.js';
import type { TransportFactory } from './transports/transport.js';
import { WebSocketTransport } from './transports/websocket.js';
import { XhrPollingTransport } from './transports/xhr-polling.js';
import { XhrStreamingTransport } from './transports/xhr-streaming.js';

export * from './core.js';

/**
 * `@sockwire/client`: the socket with all four transports, in fallback order. Names in `options.transports`
 * (`['xhr-streaming']`) resolve against this list.
 */
export class SockwireSocket extends CoreSocket {
  static override transports: readonly TransportFactory[] = [
    WebSocketTransport,
    XhrStreamingTransport,
    EventSourceTransport,
    XhrPollingTransport,
  ];
}
