import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Client, type IFrame, type IMessage, type IStompSocket } from '@stomp/stompjs';
import WebSocket from 'ws';
import {
  createRedisBroker,
  type RedisBroker,
  type RedisBrokerOptions,
} from '../../../../src/brokers/redis/index.js';
import { createServer } from '../../../../src/index.js';
import { chooseStompSubprotocol, createStompBroker, type StompBroker } from '../../../../src/stomp/index.js';

const require = createRequire(import.meta.url);
type SockJSConstructor = new (url: string, reserved: null, options: { transports: string[] }) => IStompSocket;
const SockJS = require('sockjs-client') as SockJSConstructor;

/** One Sockwire node as a user deploys it: Redis broker, STOMP broker, SockJS server, HTTP port. */
export interface StompNode {
  readonly redis: RedisBroker;
  readonly stomp: StompBroker;
  /** `127.0.0.1:port/stomp` */
  readonly base: string;
  close(): Promise<void>;
}

export async function startStompNode(options: RedisBrokerOptions): Promise<StompNode> {
  const redis = await createRedisBroker(options);
  const stomp = createStompBroker({
    broker: redis,
    authenticate: (headers) => {
      const login = headers.find(([name]) => name === 'login')?.[1];
      return login === undefined ? undefined : { name: login };
    },
  });
  const sockjs = createServer({
    prefix: '/stomp',
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => stomp.handleConnection(connection));
  const http = createHttpServer();
  sockjs.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `127.0.0.1:${(http.address() as AddressInfo).port}/stomp`;
  return {
    redis,
    stomp,
    base,
    close: async () => {
      await stomp.close();
      sockjs.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await redis.close();
    },
  };
}

export type Transport = 'raw-websocket' | 'websocket' | 'xhr-streaming' | 'xhr-polling' | 'eventsource';

function socketFactory(base: string, transport: Transport): () => IStompSocket {
  if (transport === 'raw-websocket') {
    return () => new WebSocket(`ws://${base}/websocket`, ['v12.stomp']) as unknown as IStompSocket;
  }
  return () => new SockJS(`http://${base}`, null, { transports: [transport] });
}

/** A stompjs client that has connected; it records every message per subscription. */
export interface ChatClient {
  readonly client: Client;
  readonly user: string;
  subscribe(destination: string, headers?: Record<string, string>): Promise<Inbox>;
  /** SEND without waiting for anything. */
  publish(destination: string, body: string, headers?: Record<string, string>): void;
  /** SEND, resolved when the server's RECEIPT is in (so every earlier frame was processed too). */
  send(destination: string, body: string, headers?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface Inbox {
  readonly messages: IMessage[];
  waitFor(count: number, timeout?: number): Promise<void>;
}

let receipts = 0;

export async function connectClient(
  node: Pick<StompNode, 'base'>,
  transport: Transport,
  user: string,
): Promise<ChatClient> {
  const client = new Client({
    webSocketFactory: socketFactory(node.base, transport),
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    connectHeaders: { login: user, passcode: 'x' },
  });
  await new Promise<IFrame>((resolve, reject) => {
    client.onConnect = resolve;
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.onWebSocketClose = (event: { code: number }) => reject(new Error(`closed ${event.code}`));
    client.activate();
  });
  const receipt = (headers: Record<string, string>): Promise<void> => {
    const id = `r-${++receipts}`;
    headers.receipt = id;
    return new Promise((resolve) => client.watchForReceipt(id, () => resolve()));
  };
  return {
    client,
    user,
    subscribe: async (destination, extra = {}) => {
      const messages: IMessage[] = [];
      const headers = { ...extra };
      const done = receipt(headers);
      client.subscribe(destination, (message) => messages.push(message), headers);
      await done;
      return {
        messages,
        waitFor: async (count, timeout = 10_000) => {
          const started = Date.now();
          while (messages.length < count) {
            if (Date.now() - started > timeout) {
              throw new Error(
                `${user} (${transport}) waited for ${count} messages on ${destination}, got ${messages.length}`,
              );
            }
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        },
      };
    },
    publish: (destination, body, headers = {}) => client.publish({ destination, body, headers }),
    send: (destination, body, extra = {}) => {
      const headers = { ...extra };
      const done = receipt(headers);
      client.publish({ destination, body, headers });
      return done;
    },
    close: () => client.deactivate(),
  };
}
