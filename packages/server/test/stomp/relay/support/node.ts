import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type SockwireServer } from '../../../../src/index.js';
import {
  chooseStompSubprotocol,
  createStompBroker,
  type StompBroker,
  type StompBrokerOptions,
  type StompPrincipal,
} from '../../../../src/stomp/index.js';
import {
  createStompRelay,
  type StompRelay,
  type StompRelayOptions,
} from '../../../../src/stomp/relay/index.js';
import { RABBITMQ } from './rabbitmq.js';

/** One Sockwire server ("node") in relay mode: SockJS on HTTP, the STOMP layer, a relay to RabbitMQ. */
export interface RelayNode {
  readonly stomp: StompBroker;
  readonly relay: StompRelay;
  /** `http://127.0.0.1:<port>/stomp`, for sockjs-client. */
  readonly sockjsUrl: string;
  /** The raw WebSocket entry, `ws://127.0.0.1:<port>/stomp/websocket`. */
  readonly websocketUrl: string;
  readonly logs: string[];
  close(): Promise<void>;
}

/** The CONNECT `login` names the user: enough for tests of user destinations. */
const loginAsUser: StompBrokerOptions['authenticate'] = (headers) => {
  const login = headers.find(([name]) => name === 'login')?.[1];
  return login === undefined ? undefined : ({ name: login } satisfies StompPrincipal);
};

export async function startRelayNode(
  relayOptions: StompRelayOptions = {},
  stompOptions: Omit<StompBrokerOptions, 'relay'> = {},
  waitForBroker = true,
): Promise<RelayNode> {
  const logs: string[] = [];
  const relay = createStompRelay({
    host: RABBITMQ.host,
    port: RABBITMQ.port,
    log: (severity, message) => logs.push(`${severity}: ${message}`),
    // Quick retries: a test should not wait out the default backoff after one unlucky attempt.
    reconnect: { minDelay: 50, maxDelay: 500 },
    ...relayOptions,
  });
  if (waitForBroker && !(await relay.whenAvailable(5000))) {
    relay.close();
    throw new Error(`the relay could not reach RabbitMQ:\n${logs.join('\n')}`);
  }
  const stomp = createStompBroker({ authenticate: loginAsUser, ...stompOptions, relay });
  const sockjs: SockwireServer = createServer({
    prefix: '/stomp',
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => stomp.handleConnection(connection));
  const http: Server = createHttpServer();
  sockjs.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `127.0.0.1:${(http.address() as AddressInfo).port}/stomp`;
  return {
    stomp,
    relay,
    sockjsUrl: `http://${base}`,
    websocketUrl: `ws://${base}/websocket`,
    logs,
    close: async () => {
      await stomp.close();
      relay.close();
      sockjs.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
