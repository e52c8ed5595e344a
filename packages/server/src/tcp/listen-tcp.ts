import net from 'node:net';
import type { StompConnection } from '../stomp/connection-port.js';
import { systemTimers, type Timers } from '../timers.js';
import { DEFAULT_IDLE_TIMEOUT, TcpConnection } from './tcp-connection.js';

export interface ListenTcpOptions {
  /** Who speaks STOMP on each connection: a STOMP broker (`createStompBroker()`). */
  readonly broker: { handleConnection(connection: StompConnection): void };
  /** 0 picks a free port. */
  readonly port: number;
  /** Default `127.0.0.1`: plain TCP has no origin checks or TLS, so listening wider is an explicit choice. */
  readonly host?: string;
  /** Listen backlog. Default 4096 (Node's 511 overflows under bursts of connects). */
  readonly backlog?: number;
  /** See {@link TcpConnectionOptions}. */
  readonly highWaterMark?: number;
  readonly closeTimeout?: number;
  /**
   * Milliseconds a connection whose STOMP session negotiated no heart-beats may stay silent both ways before
   * it gets ERROR `Idle timeout` and is closed. Default 300 000 (5 minutes); 0 turns it off.
   */
  readonly idleTimeout?: number;
  readonly timers?: Timers;
}

/** listenTcp's defaults. */
export const TCP_DEFAULTS = {
  highWaterMark: 64 * 1024,
  closeTimeout: 5000,
  idleTimeout: DEFAULT_IDLE_TIMEOUT,
  backlog: 4096,
} as const;

export interface StompTcpServer {
  readonly server: net.Server;
  readonly host: string;
  readonly port: number;
  /** `tcp://host:port`. */
  readonly url: string;
  /** Stop accepting, close every open connection (1001), and resolve once the listener is closed. */
  close(): Promise<void>;
}

/** Plain STOMP over TCP (what `stomp.py`, RabbitMQ clients and `telnet` speak), on the same broker. */
export async function listenTcp(options: ListenTcpOptions): Promise<StompTcpServer> {
  const host = options.host ?? '127.0.0.1';
  const idleTimeout = options.idleTimeout ?? TCP_DEFAULTS.idleTimeout;
  if (!Number.isFinite(idleTimeout) || idleTimeout < 0) {
    throw new TypeError(
      `Sockwire: listenTcp idleTimeout must be a non-negative number of milliseconds, got ${String(idleTimeout)}`,
    );
  }
  const connectionOptions = {
    highWaterMark: options.highWaterMark ?? TCP_DEFAULTS.highWaterMark,
    closeTimeout: options.closeTimeout ?? TCP_DEFAULTS.closeTimeout,
    idleTimeout,
    timers: options.timers ?? systemTimers,
  };
  const open = new Set<TcpConnection>();
  const server = net.createServer((socket) => {
    const connection = new TcpConnection(socket, connectionOptions);
    open.add(connection);
    connection.once('close', () => open.delete(connection));
    options.broker.handleConnection(connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host, backlog: options.backlog ?? TCP_DEFAULTS.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    host,
    port,
    url: `tcp://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Each connection flushes, then FINs; one whose peer does not answer is dropped after closeTimeout.
        for (const connection of [...open]) connection.close(1001, 'Going away');
      }),
  };
}
