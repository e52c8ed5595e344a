/*
 * Sockwire's embedded STOMP broker behind the Sockwire server at `/stomp`: raw STOMP over WebSocket at
 * `/stomp/websocket` (what RabbitMQ Web-STOMP speaks) and STOMP inside SockJS frames on the other transports.
 * Heart-beats off on both sides, as the load clients ask for. `options.stompModule` says where the broker
 * comes from (see lib/stomp-module.mjs).
 */
import { createServer } from '@sockwire/server';

/**
 * @param {import('node:http').Server} http
 * @param {{ stompModule: string }} options
 */
export async function install(http, options) {
  const stomp = await import(options.stompModule);
  const broker = stomp.createStompBroker({ heartbeat: { outgoing: 0, incoming: 0 } });
  const sockjs = createServer({
    prefix: '/stomp',
    allowedOrigins: '*',
    webSocketProtocols: (offered) => stomp.chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  sockjs.installHandlers(http);
  return { sessions: () => broker.sessions().length };
}
