import net from 'node:net';
import type { StompConnection } from '../stomp/connection-port.js';
import { systemTimers, type Timers } from '../timers.js';
import { TcpConnection } from './tcp-connection.js';

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
  readonly timers?: Timers;
}

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
  const connectionOptions = {
    highWaterMark: options.highWaterMark ?? 64 * 1024,
    closeTimeout: options.closeTimeout ?? 5000,
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
    server.listen({ port: options.port, host, backlog: options.backlog ?? 4096 }, () => {
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
