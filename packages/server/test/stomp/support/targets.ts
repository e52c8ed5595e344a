import net from 'node:net';
import { decodeServerFrame } from '@sockwire/protocol';
import WebSocket from 'ws';
import { createStompBroker, type StompBroker, type StompBrokerOptions } from '../../../src/stomp/index.js';
import { FakeConnection } from './fake-connection.js';
import { RawClient } from './raw-client.js';

/** Somewhere the conformance table can open raw STOMP clients. */
export interface Target {
  readonly name: string;
  open(): Promise<RawClient>;
  /** Milliseconds to wait for a frame the table expects. */
  readonly timeout: number;
  close(): Promise<void>;
}

class FakeClient extends RawClient {
  readonly connection: FakeConnection;

  constructor(connection: FakeConnection) {
    super();
    this.connection = connection;
    connection.onWrite = (message) => this.receive(message);
    connection.on('close', () => this.closed());
  }

  send(text: string): void {
    this.connection.receive(text);
  }

  drop(): void {
    this.connection.drop();
  }
}

/** The broker in this process, over fake connections: no network, no timers beyond the defaults. */
export function fakeTarget(options: StompBrokerOptions = {}): Target & { readonly broker: StompBroker } {
  const broker = createStompBroker(options);
  return {
    name: 'fake connection',
    broker,
    timeout: 200,
    open: async () => {
      const connection = new FakeConnection();
      const client = new FakeClient(connection);
      broker.handleConnection(connection);
      return client;
    },
    close: () => broker.close(),
  };
}

class TcpClient extends RawClient {
  private readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    super();
    this.socket = socket;
    socket.on('data', (data: Buffer) => this.receive(data));
    socket.on('close', () => this.closed());
    socket.on('error', () => {});
  }

  send(text: string): void {
    this.socket.write(text);
  }

  drop(): void {
    this.socket.destroy();
  }
}

/** Plain STOMP over TCP (ours from `listenTcp`, or RabbitMQ's 61613). */
export function tcpTarget(name: string, port: number, host = '127.0.0.1'): Target {
  const sockets = new Set<net.Socket>();
  return {
    name,
    timeout: 1000,
    open: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, host, () => resolve(new TcpClient(socket)));
        sockets.add(socket);
        socket.once('error', reject);
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

class WebSocketClient extends RawClient {
  private readonly socket: WebSocket;

  constructor(socket: WebSocket) {
    super();
    this.socket = socket;
    socket.on('message', (data: Buffer) => this.receive(data.toString('utf8')));
    socket.on('close', () => this.closed());
    socket.on('error', () => {});
  }

  send(text: string): void {
    this.socket.send(text);
  }

  drop(): void {
    this.socket.terminate();
  }
}

/** STOMP over a plain WebSocket, offering the three STOMP subprotocols as stompjs does. */
export function webSocketTarget(name: string, url: string): Target {
  const sockets = new Set<WebSocket>();
  return {
    name,
    timeout: 1000,
    open: () =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
        sockets.add(socket);
        socket.once('open', () => resolve(new WebSocketClient(socket)));
        socket.once('error', reject);
      }),
    close: async () => {
      for (const socket of sockets) socket.terminate();
    },
  };
}

class SockJsWebSocketClient extends RawClient {
  private readonly socket: WebSocket;

  constructor(socket: WebSocket) {
    super();
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(data.toString('utf8'));
      if (frame.type === 'messages') for (const message of frame.messages) this.receive(message);
      else if (frame.type === 'close') this.closed();
    });
    socket.on('close', () => this.closed());
    socket.on('error', () => {});
  }

  send(text: string): void {
    this.socket.send(JSON.stringify([text]));
  }

  drop(): void {
    this.socket.terminate();
  }
}

/** STOMP over SockJS's WebSocket transport (`<base>/<server>/<session>/websocket`, `a[...]` framing). */
export function sockjsWebSocketTarget(name: string, base: string): Target {
  const sockets = new Set<WebSocket>();
  let sessions = 0;
  return {
    name,
    timeout: 1000,
    open: () =>
      new Promise((resolve, reject) => {
        const url = `${base}/000/session-${process.pid}x${++sessions}/websocket`;
        const socket = new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
        sockets.add(socket);
        // The open frame `o` comes first; the client is ready once it has.
        socket.once('message', (data: Buffer) => {
          if (data.toString() === 'o') resolve(new SockJsWebSocketClient(socket));
          else reject(new Error(`expected the SockJS open frame, got ${data.toString().slice(0, 40)}`));
        });
        socket.once('error', reject);
      }),
    close: async () => {
      for (const socket of sockets) socket.terminate();
    },
  };
}
