import { createRequire } from 'node:module';
import { Client, type IFrame, type IMessage, type IStompSocket, type StompHeaders } from '@stomp/stompjs';
import WebSocket from 'ws';
import type { RelayNode } from './node.js';

/** sockjs-client runs in Node: stompjs over a real SockJS transport, as in a browser. */
const require = createRequire(import.meta.url);
type SockJSConstructor = new (url: string, reserved: null, options: { transports: string[] }) => IStompSocket;
const SockJS = require('sockjs-client') as SockJSConstructor;

/** Where clients connect: a relay node, or anything else serving SockJS at these URLs. */
export type ClientTarget = Pick<RelayNode, 'sockjsUrl' | 'websocketUrl'>;

export type Transport = 'websocket' | 'xhr-streaming' | 'xhr-polling' | 'raw-websocket';

/** What a test client saw: its ERROR frames and how its socket closed. */
export interface TestClient {
  readonly client: Client;
  readonly connected: IFrame;
  readonly errors: IFrame[];
  /** Resolves with the first ERROR frame. */
  readonly error: Promise<IFrame>;
  /** Resolves once the socket closed. */
  readonly closed: Promise<void>;
  inbox(destination: string, headers?: StompHeaders): Promise<Inbox>;
  /** SEND and wait for its RECEIPT. */
  publish(destination: string, body: string, headers?: StompHeaders): Promise<void>;
  stop(): Promise<void>;
}

let receipts = 0;

function socketFactory(node: ClientTarget, transport: Transport): () => IStompSocket {
  if (transport === 'raw-websocket') {
    return () =>
      new WebSocket(node.websocketUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp']) as unknown as IStompSocket;
  }
  return () => new SockJS(node.sockjsUrl, null, { transports: [transport] });
}

/** A connected stompjs client (no reconnect) through `node`, logged in as `login`. */
export async function connectClient(
  node: ClientTarget,
  login: string | undefined,
  transport: Transport = 'websocket',
): Promise<TestClient> {
  const errors: IFrame[] = [];
  let onError: (frame: IFrame) => void = () => {};
  let onClosed: () => void = () => {};
  const error = new Promise<IFrame>((resolve) => {
    onError = resolve;
  });
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve;
  });
  const client = new Client({
    webSocketFactory: socketFactory(node, transport),
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    connectHeaders: login === undefined ? {} : { login, passcode: 'ignored by the relay' },
  });
  const connected = new Promise<IFrame>((resolve, reject) => {
    client.onConnect = resolve;
    client.onStompError = (frame) => {
      errors.push(frame);
      onError(frame);
      reject(new Error(`ERROR ${frame.headers.message}: ${frame.body}`));
    };
    client.onWebSocketClose = () => {
      onClosed();
      reject(new Error('closed before CONNECTED'));
    };
  });
  client.activate();
  const frame = await connected;
  return {
    client,
    connected: frame,
    errors,
    error,
    closed,
    inbox: async (destination, headers = {}) => {
      const inbox = new Inbox();
      const id = `sub-receipt-${++receipts}`;
      const subscribed = receipt(client, id);
      client.subscribe(destination, inbox.push, { ...headers, receipt: id });
      await subscribed;
      return inbox;
    },
    publish: async (destination, body, headers = {}) => {
      const id = `send-receipt-${++receipts}`;
      const done = receipt(client, id);
      client.publish({ destination, body, headers: { ...headers, receipt: id } });
      await done;
    },
    stop: () => client.deactivate(),
  };
}

export function receipt(client: Client, id: string): Promise<void> {
  return new Promise((resolve) => client.watchForReceipt(id, () => resolve()));
}

/** Messages of one subscription, in arrival order. */
export class Inbox {
  readonly messages: IMessage[] = [];
  private waiters: Array<() => void> = [];

  readonly push = (message: IMessage): void => {
    this.messages.push(message);
    for (const waiter of this.waiters.splice(0)) waiter();
  };

  /** Wait until `count` messages have arrived in all (not only new ones). */
  async atLeast(count: number, timeoutMs = 5000): Promise<IMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} messages, got ${this.messages.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.slice(0, count);
  }

  get bodies(): string[] {
    return this.messages.map((message) => message.body);
  }
}

/** Let in-flight messages land before asserting that something did not arrive. */
export function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
