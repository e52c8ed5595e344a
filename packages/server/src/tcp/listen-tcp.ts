import net from 'node:net';
import { DEFAULTS } from '../options.js';
import { encodeFrame } from '../stomp/codec/encoder.js';
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
  /**
   * Outbound bytes queued per connection above which a client that does not read gets ERROR `Buffer overflow`
   * (naming this option) and is closed, reported as 2012 "Buffer overflow" as on the SockJS transports.
   * Default 4 MiB, as createServer's maxBufferedBytes; at least highWaterMark.
   */
  readonly maxBufferedBytes?: number;
  readonly closeTimeout?: number;
  /**
   * Milliseconds a connection whose STOMP session negotiated no heart-beats may stay silent both ways before
   * it gets ERROR `Idle timeout` and is closed. Default 300 000 (5 minutes); 0 turns it off.
   */
  readonly idleTimeout?: number;
  /**
   * Connections open at once. Past it a new connection gets ERROR `Too many connections` (naming this option)
   * and is closed before any STOMP session starts; a connection counts until its socket has closed. Default
   * 10 000; Infinity for no cap.
   */
  readonly maxConnections?: number;
  readonly timers?: Timers;
}

/** listenTcp's defaults. */
export const TCP_DEFAULTS = {
  highWaterMark: 64 * 1024,
  maxBufferedBytes: DEFAULTS.maxBufferedBytes,
  closeTimeout: 5000,
  idleTimeout: DEFAULT_IDLE_TIMEOUT,
  backlog: 4096,
  maxConnections: 10_000,
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
  const maxConnections = options.maxConnections ?? TCP_DEFAULTS.maxConnections;
  // NaN fails the first test; Infinity passes the second.
  if (!(maxConnections >= 1) || Math.floor(maxConnections) !== maxConnections) {
    throw new TypeError(
      `Sockwire: listenTcp maxConnections must be a positive integer or Infinity, got ${String(maxConnections)}`,
    );
  }
  const highWaterMark = options.highWaterMark ?? TCP_DEFAULTS.highWaterMark;
  const maxBufferedBytes = options.maxBufferedBytes ?? TCP_DEFAULTS.maxBufferedBytes;
  // Written so that NaN fails it too.
  if (!(maxBufferedBytes >= highWaterMark)) {
    throw new TypeError(
      `Sockwire: listenTcp maxBufferedBytes must be at least highWaterMark (${highWaterMark}), got ${String(maxBufferedBytes)}`,
    );
  }
  const connectionOptions = {
    highWaterMark,
    maxBufferedBytes,
    closeTimeout: options.closeTimeout ?? TCP_DEFAULTS.closeTimeout,
    idleTimeout,
    timers: options.timers ?? systemTimers,
  };
  const open = new Set<TcpConnection>();
  const server = net.createServer((socket) => {
    const connection = new TcpConnection(socket, connectionOptions);
    if (open.size >= maxConnections) {
      // Told why, not dropped: a client that sees a bare close cannot tell a full server from a dead one.
      connection.write(tooManyConnections(maxConnections));
      connection.close(TOO_MANY_CONNECTIONS_CLOSE.code, TOO_MANY_CONNECTIONS_CLOSE.reason);
      return;
    }
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

/** What a connection refused over maxConnections reports as its close (TCP itself carries no close code). */
const TOO_MANY_CONNECTIONS_CLOSE = { code: 1013, reason: 'Too many connections' } as const;

function tooManyConnections(maxConnections: number): string {
  const body =
    `this server accepts at most ${maxConnections} STOMP connections over TCP at once (listenTcp's ` +
    'maxConnections); try again later';
  return encodeFrame(
    { command: 'ERROR', headers: [['message', TOO_MANY_CONNECTIONS_CLOSE.reason]], body },
    undefined,
  );
}
