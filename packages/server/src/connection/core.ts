import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { ConnectionEvents, ConnectionState, ReadyState } from '../connection.js';
import { type BufferLimits, OutboundBuffer } from './buffer.js';
import type { ConnectionIdentity, ConnectionKind } from './identity.js';
import { type ConnectionPhase, Lifecycle } from './states.js';

/**
 * What every kind of connection (a SockJS session, a raw WebSocket, a STOMP-over-TCP socket) has in common:
 * its identity, its checked lifecycle (states.ts) and its outbound buffer policy (buffer.ts). Each kind
 * extends this once and adds only how its bytes travel; the parts are separate objects it composes, so that a
 * kind never re-implements the state table or the limits.
 */
export abstract class ConnectionCore<
  Kind extends ConnectionKind,
  Close,
> extends EventEmitter<ConnectionEvents> {
  readonly id: string;
  readonly transport: Kind;
  readonly subprotocol: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly url: string;
  readonly pathname: string;
  readonly prefix: string;
  protected readonly lifecycle: Lifecycle<Close>;
  protected readonly buffer: OutboundBuffer;

  constructor(identity: ConnectionIdentity<Kind>, limits: BufferLimits, initial: ConnectionPhase<Close>) {
    super();
    this.id = identity.id;
    this.transport = identity.transport;
    this.subprotocol = identity.subprotocol;
    this.remoteAddress = identity.remoteAddress;
    this.remotePort = identity.remotePort;
    this.headers = identity.headers;
    this.url = identity.url;
    this.pathname = identity.pathname;
    this.prefix = identity.prefix;
    this.lifecycle = new Lifecycle(identity.id, initial);
    this.buffer = new OutboundBuffer(limits);
  }

  /** The transport name again, under the property name sockjs-node uses. */
  get protocol(): Kind {
    return this.transport;
  }

  get state(): ConnectionState {
    return this.lifecycle.state;
  }

  get readyState(): ReadyState {
    return this.lifecycle.readyState;
  }

  /** Bytes accepted by `write()` and not yet handed to the operating system. */
  abstract get bufferedAmount(): number;
  abstract write(message: string): boolean;
  abstract close(code?: number, reason?: string): boolean;
  abstract destroy(): void;

  /** `close(1000, 'Normal closure')`, as in sockjs-node. */
  end(): void {
    this.close();
  }

  /**
   * Emit `drain` if one is owed and the outstanding bytes fell under the high-water mark (only while open).
   * They are measured only when a drain is owed: this runs after every flush.
   */
  protected checkDrain(): void {
    if (
      this.buffer.drainOwed &&
      this.lifecycle.state === 'open' &&
      this.buffer.drainDue(this.bufferedAmount)
    ) {
      this.emit('drain');
    }
  }
}
