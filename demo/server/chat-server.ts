import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AllowedOrigins, chooseStompSubprotocol, createServer, type SessionBus } from '@sockwire/server';
import { createRedisBroker, createRedisSessionBus, type RedisBroker } from '@sockwire/server/redis';
import { DEFAULT_ROOMS, STOMP_PATH } from '../shared/protocol.js';
import { type ChatBroker, type ChatBrokerOptions, createChatBroker } from './chat-broker.js';
import type { ChatStore } from './chat-store.js';
import { RedisChatStore } from './redis-store.js';
import { staticFiles } from './static-files.js';

export interface ChatServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1: only this machine. `0.0.0.0` to let phones on the network in. */
  readonly host?: string;
  /** The built page (vite's outDir); without it only the STOMP endpoint is served (the dev setup). */
  readonly staticDir?: string;
  /** Page origins allowed besides the server's own (e.g. the Vite dev server's). Default: same origin only. */
  readonly allowedOrigins?: AllowedOrigins;
  readonly chat?: ChatBrokerOptions;
  /**
   * Run as one node of a cluster behind a plain round-robin balancer: messages go through the Redis broker,
   * SockJS HTTP sessions are served from any node (Redis session bus) and the chat's state is kept in Redis.
   */
  readonly cluster?: ChatClusterOptions;
  readonly log?: (message: string) => void;
}

export interface ChatClusterOptions {
  /** `redis://host:port` */
  readonly redisUrl: string;
  /** Unique per node (no "|"). */
  readonly nodeId: string;
  /** Default `sockwire-demo:`. */
  readonly keyPrefix?: string;
  /**
   * Ms after a node's last heartbeat before the others treat it as dead: its HTTP sessions are lost (their
   * clients reconnect) and its presence entries are removed. Default 3000 (the session bus alone defaults to 6000).
   */
  readonly livenessTtl?: number;
}

interface ClusterParts {
  readonly broker: RedisBroker;
  readonly bus: SessionBus;
  readonly store: ChatStore;
}

async function joinCluster(
  options: ChatClusterOptions,
  log?: (message: string) => void,
): Promise<ClusterParts> {
  const prefix = options.keyPrefix ?? 'sockwire-demo:';
  const common = { url: options.redisUrl, nodeId: options.nodeId, livenessTtl: options.livenessTtl ?? 3000 };
  const broker = await createRedisBroker({
    url: common.url,
    nodeId: common.nodeId,
    keyPrefix: `${prefix}broker:`,
  });
  try {
    const bus = await createRedisSessionBus({ ...common, keyPrefix: `${prefix}bus:` });
    const store = await RedisChatStore.connect({
      ...common,
      keyPrefix: `${prefix}chat:`,
      initialRooms: DEFAULT_ROOMS,
      ...(log === undefined ? {} : { log }),
    }).catch(async (error: unknown) => {
      await bus.close();
      throw error;
    });
    return { broker, bus, store };
  } catch (error) {
    await broker.close();
    throw error;
  }
}

export interface ChatServer {
  readonly port: number;
  /** `http://host:port/` */
  readonly url: string;
  readonly chat: ChatBroker;
  /** Closes every session (1001 Going away, so pages reconnect) and stops listening. */
  close(): Promise<void>;
}

/** The chat: the page's files at `/`, STOMP over SockJS at `/stomp` (every transport), on one HTTP server. */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const log = options.log;
  const cluster = options.cluster === undefined ? undefined : await joinCluster(options.cluster, log);
  const chat = createChatBroker({
    ...(cluster === undefined ? {} : { store: cluster.store }),
    ...options.chat,
    // Failed handlers and hooks are worth seeing in the server's output; routine events are not.
    stomp: {
      ...(log === undefined
        ? {}
        : { log: (severity, message) => severity === 'error' && log(`stomp: ${message}`) }),
      ...(cluster === undefined ? {} : { broker: cluster.broker }),
      ...options.chat?.stomp,
    },
  });
  // The SockJS endpoint. STOMP clients offer `v12.stomp`... as WebSocket subprotocols; choosing one of them
  // tells stompjs which STOMP version to speak.
  const sockjs = createServer({
    prefix: STOMP_PATH,
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
    ...(cluster === undefined ? {} : { cluster: cluster.bus }),
    log: (severity, message) => {
      if (severity === 'error') log?.(`sockjs: ${message}`);
    },
  });
  // Every SockJS connection, whatever its transport, speaks STOMP to the embedded broker.
  sockjs.on('connection', (connection) => chat.stomp.handleConnection(connection));

  const http: Server = createHttpServer(
    options.staticDir === undefined
      ? (_request, response) => response.writeHead(404).end()
      : staticFiles(options.staticDir),
  );
  // Requests under /stomp (and WebSocket upgrades) go to SockJS; the rest to the handler above.
  sockjs.installHandlers(http);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `http://${shownHost}:${port}/`,
    chat,
    async close() {
      await chat.stomp.close();
      // The session bus closes with the SockJS server; the broker and the store here.
      sockjs.close();
      await chat.store.close();
      await cluster?.broker.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        // Streaming responses and keep-alive sockets would hold close() open.
        http.closeAllConnections();
      });
    },
  };
}
