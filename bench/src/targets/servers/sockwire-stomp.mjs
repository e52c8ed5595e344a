/*
 * Sockwire's embedded STOMP broker behind the Sockwire server at `/stomp`: raw STOMP over WebSocket at
 * `/stomp/websocket` (what RabbitMQ Web-STOMP speaks) and STOMP inside SockJS frames on the other transports.
 * Heart-beats off on both sides, as the load clients ask for. `options.stompModule` says where the broker
 * comes from (see lib/stomp-module.mjs); `options.history` (`false` or history options) replaces the broker's
 * default history; `options.redis` (a redis:// URL) puts the Redis broker (`@sockwire/server/redis`, loaded only
 * then) under it instead of the memory one.
 */
import { createServer } from '@sockwire/server';
import { BENCH_LIMITS } from './sockwire.mjs';

/**
 * @param {import('node:http').Server} http
 * @param {{ stompModule: string, history?: false | object, redis?: string }} options
 */
export async function install(http, options) {
  const stomp = await import(options.stompModule);
  const history = options.history === undefined ? {} : { history: options.history };
  const heartbeat = { outgoing: 0, incoming: 0 };
  const broker =
    options.redis === undefined
      ? stomp.createStompBroker({ heartbeat, ...history })
      : stomp.createStompBroker({
          heartbeat,
          broker: await redisBroker(options.redis, history),
        });
  const sockjs = createServer({
    prefix: '/stomp',
    ...BENCH_LIMITS,
    webSocketProtocols: (offered) => stomp.chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  sockjs.installHandlers(http);
  return { sessions: () => broker.sessions().length };
}

/**
 * The Redis broker, from the entry that needs ioredis: loaded only when a run asks for Redis.
 * @param {string} url
 * @param {object} history
 */
async function redisBroker(url, history) {
  const { createRedisBroker } = await import('@sockwire/server/redis');
  return createRedisBroker({ url, ...history });
}
