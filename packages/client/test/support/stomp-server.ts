import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type Connection,
  createServer,
  createStompBroker,
  type SockwireServer,
  STOMP_SUBPROTOCOLS,
  type StompBroker,
  type StompBrokerOptions,
} from '@sockwire/server';

/*
 * Our SockJS server with the embedded STOMP broker on a real HTTP server, for the client's resume and
 * confirmed-send suites. Besides start and stop it can misbehave on purpose: drop every connection as a
 * network failure would (`cut`), refuse connections for a while with the broker and its history kept
 * (`down`/`up`), and restart with a new broker (a new epoch) on the same port.
 */

/** Runs on every new broker (handlers, listeners) before the server listens. */
export type BrokerSetup = (broker: StompBroker) => void | Promise<void>;

export class StompTestServer {
  broker: StompBroker | null = null;
  /** SockJS connections that are open now, by id (the STOMP session id is the connection id). */
  readonly connections = new Map<string, Connection>();
  private http: Server | null = null;
  private sockjs: SockwireServer | null = null;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(
    private readonly options: StompBrokerOptions = {},
    private readonly setup: BrokerSetup = () => {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/stomp`;
  }

  /** A new broker (so a new epoch for every destination) and SockJS service, listening on the same port. */
  async start(beforeListening: BrokerSetup = () => {}): Promise<this> {
    const http = createHttpServer();
    http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    const sockjs = createServer({
      prefix: '/stomp',
      allowedOrigins: '*',
      webSocketProtocols: STOMP_SUBPROTOCOLS,
      disconnectDelay: 500,
      log: () => {},
    });
    const broker = createStompBroker(this.options);
    sockjs.on('connection', (connection) => {
      this.connections.set(connection.id, connection);
      connection.once('close', () => this.connections.delete(connection.id));
      broker.handleConnection(connection);
    });
    sockjs.installHandlers(http);
    this.http = http;
    this.sockjs = sockjs;
    this.broker = broker;
    await this.setup(broker);
    await beforeListening(broker);
    await this.listen();
    return this;
  }

  /** Every connection dropped without a close frame; the server keeps listening, the broker keeps its history. */
  cut(): void {
    for (const connection of [...this.connections.values()]) connection.destroy();
    for (const socket of this.sockets) socket.destroy();
  }

  /** Stop accepting connections and drop the open ones; the broker (and what it retains) stays. */
  async down(): Promise<void> {
    const http = this.http;
    if (!http?.listening) return;
    const closed = new Promise((resolve) => http.close(resolve));
    this.cut();
    await closed;
  }

  /** Listen again after `down()`, on the same port. */
  async up(): Promise<void> {
    await this.listen();
  }

  /** Everything gone: connections, SockJS sessions, the broker and its history. */
  async stop(): Promise<void> {
    await this.down();
    this.sockjs?.close();
    await this.broker?.close();
    this.connections.clear();
    this.sockjs = null;
    this.http = null;
  }

  /** A crash and a restart on the same port: a new broker, so every destination's epoch changes. */
  async restart(beforeListening?: BrokerSetup): Promise<void> {
    await this.stop();
    await this.start(beforeListening);
  }

  private async listen(): Promise<void> {
    const http = this.http;
    if (!http) throw new Error('StompTestServer: not started');
    http.listen(this.port, '127.0.0.1');
    await once(http, 'listening');
    this.port = (http.address() as AddressInfo).port;
  }
}
