/*
 * The servers compared. Each target is a server process (targets/servers/<server>.mjs) and a client adapter.
 * Families group transports that are compared with each other: each has a ceiling (the raw transport with
 * nothing on top) where one exists, and the sockjs-node target a user would migrate from.
 */
import { startWithRedis } from './lib/children.mjs';
import { startRabbit } from './lib/rabbitmq.mjs';
import { rawStream, socketioPolling, sockjsHttp } from './load/http-sessions.mjs';
import { stompWs } from './load/stomp-sessions.mjs';
import {
  rawWs,
  rawWsNative,
  socketioWs,
  socketioWsNative,
  sockjsWs,
  sockjsWsNative,
} from './load/ws-sessions.mjs';

/**
 * @typedef {'websocket' | 'streaming' | 'polling'} Family
 * @typedef {object} TargetDef
 * @property {string} id
 * @property {string} label
 * @property {string} server module under targets/servers
 * @property {Family} family
 * @property {(o: import('./load/session.mjs').SessionOptions) => import('./load/session.mjs').Session} session
 * @property {(port: number, group: string, message: string) => import('./load/ws-sessions.mjs').NativeProtocol} [native]
 *   the same protocol for the native echo load (W1, WebSocket targets)
 * @property {boolean} [ours]
 * @property {object} [options] for the server module
 * @property {(nodeFlags?: string[]) => Promise<import('./lib/children.mjs').Server>} [start] a server that is not our child
 * @property {boolean} [history] W7: whether the broker keeps history (its pair has the same `variant`)
 * @property {string} [variant] W7: broker and endpoint, shared by the history-on and history-off targets
 */

/** @type {TargetDef[]} */
export const TARGETS = [
  {
    id: 'raw-ws',
    label: 'raw `ws`',
    server: 'raw-ws',
    family: 'websocket',
    session: rawWs,
    native: rawWsNative,
  },
  {
    id: 'sockjs-ws',
    label: 'sockjs-node websocket',
    server: 'sockjs',
    family: 'websocket',
    session: sockjsWs,
    native: sockjsWsNative,
  },
  {
    id: 'socketio-ws',
    label: 'socket.io websocket',
    server: 'socketio',
    family: 'websocket',
    session: socketioWs,
    native: socketioWsNative,
  },
  {
    id: 'sockwire-ws',
    label: '**Sockwire websocket**',
    server: 'sockwire',
    family: 'websocket',
    session: sockjsWs,
    native: sockjsWsNative,
    ours: true,
  },
  {
    id: 'raw-stream',
    label: 'raw chunked HTTP',
    server: 'raw-stream',
    family: 'streaming',
    session: rawStream,
  },
  {
    id: 'sockjs-xhr-streaming',
    label: 'sockjs-node xhr-streaming',
    server: 'sockjs',
    family: 'streaming',
    session: sockjsHttp('xhr-streaming'),
  },
  {
    id: 'sockwire-xhr-streaming',
    label: '**Sockwire xhr-streaming**',
    server: 'sockwire',
    family: 'streaming',
    session: sockjsHttp('xhr-streaming'),
    ours: true,
  },
  {
    id: 'sockwire-eventsource',
    label: '**Sockwire eventsource**',
    server: 'sockwire',
    family: 'streaming',
    session: sockjsHttp('eventsource'),
    ours: true,
  },
  {
    id: 'sockjs-xhr-polling',
    label: 'sockjs-node xhr-polling',
    server: 'sockjs',
    family: 'polling',
    session: sockjsHttp('xhr-polling'),
  },
  {
    id: 'socketio-polling',
    label: 'socket.io long-polling',
    server: 'socketio',
    family: 'polling',
    session: socketioPolling,
  },
  {
    id: 'sockwire-xhr-polling',
    label: '**Sockwire xhr-polling**',
    server: 'sockwire',
    family: 'polling',
    session: sockjsHttp('xhr-polling'),
    ours: true,
  },
];

/** The ceiling of each family (polling has none: nothing raw polls). */
export const CEILING = /** @type {Record<Family, string | null>} */ ({
  websocket: 'raw-ws',
  streaming: 'raw-stream',
  polling: null,
});

/** The sockjs-node target of each family: the peer a Sockwire user would migrate from. */
export const SOCKJS = /** @type {Record<Family, string>} */ ({
  websocket: 'sockjs-ws',
  streaming: 'sockjs-xhr-streaming',
  polling: 'sockjs-xhr-polling',
});

/** @param {string} id */
export function targetById(id) {
  const t = TARGETS.find((x) => x.id === id);
  if (t === undefined) throw new Error(`unknown target ${id}`);
  return t;
}

/**
 * Sockwire on another build of @sockwire/server (`--sockwire-dist`), beside the working tree's: websocket,
 * xhr-streaming and xhr-polling before and after a change in one run, the same clients and the same references.
 * @param {string} serverModule file URL of that build's dist/index.js
 * @param {string} name what that build is (its commit)
 * @returns {TargetDef[]}
 */
export function sockwireBuildTargets(serverModule, name) {
  return ['sockwire-ws', 'sockwire-xhr-streaming', 'sockwire-xhr-polling'].map((id) => {
    const target = targetById(id);
    return {
      ...target,
      id: `${id}-before`,
      label: `${target.label} before (${name})`,
      options: { ...target.options, serverModule },
    };
  });
}

/**
 * W6: our STOMP broker and RabbitMQ Web-STOMP, both as raw STOMP over WebSocket; ours also inside SockJS
 * frames, as SockwireSocket carries it.
 * @param {string} stompModule where the server module loads the broker from
 * @returns {TargetDef[]}
 */
export function stompTargets(stompModule) {
  const options = { stompModule };
  return [
    {
      id: 'rabbitmq-web-stomp',
      label: 'RabbitMQ 3.10 Web-STOMP',
      server: 'rabbitmq',
      family: 'websocket',
      session: stompWs({ path: '/ws', sockjs: false }),
      start: () => startRabbit('1'),
    },
    {
      id: 'sockwire-stomp-ws',
      label: '**Sockwire STOMP** raw WebSocket',
      server: 'sockwire-stomp',
      family: 'websocket',
      session: stompWs({ path: '/stomp/websocket', sockjs: false }),
      options,
      ours: true,
    },
    {
      id: 'sockwire-stomp-sockjs',
      label: '**Sockwire STOMP** SockJS websocket',
      server: 'sockwire-stomp',
      family: 'websocket',
      session: stompWs({ path: '/stomp', sockjs: true }),
      options,
      ours: true,
    },
  ];
}

/**
 * W7, the cost of stream history: our broker's W6 targets with history on (the default) and off, in pairs
 * (same broker and endpoint), and the same pair on the Redis broker (a Redis of our own on the server core).
 * @param {string} stompModule
 * @returns {TargetDef[]}
 */
export function historyTargets(stompModule) {
  const ws = stompWs({ path: '/stomp/websocket', sockjs: false });
  const sockjs = stompWs({ path: '/stomp', sockjs: true });
  const on = { stompModule };
  const off = { stompModule, history: false };
  /** @type {{ key: string, variant: string, session: TargetDef['session'], redis?: boolean }[]} */
  const variants = [
    { key: 'ws', variant: 'memory broker, raw WebSocket', session: ws },
    { key: 'sockjs', variant: 'memory broker, SockJS websocket', session: sockjs },
    { key: 'redis-ws', variant: 'Redis broker, raw WebSocket', session: ws, redis: true },
  ];
  return variants.flatMap(({ key, variant, session, redis }) =>
    [true, false].map((history) => {
      const options = history ? on : off;
      return {
        id: `sockwire-stomp-${key}${history ? '' : '-nohistory'}`,
        label: `${variant}, history ${history ? 'on' : 'off'}`,
        server: 'sockwire-stomp',
        family: /** @type {Family} */ ('websocket'),
        session,
        options,
        ours: true,
        history,
        variant,
        ...(redis
          ? {
              start: (/** @type {string[] | undefined} */ flags) =>
                startWithRedis('sockwire-stomp', options, flags),
            }
          : {}),
      };
    }),
  );
}

/**
 * @typedef {object} ResumeTargetDef W8: a broker whose subscribers are cut and resume
 * @property {string} id
 * @property {string} label
 * @property {string} server
 * @property {object} options
 * @property {string} path the raw STOMP-over-WebSocket endpoint
 * @property {(nodeFlags?: string[]) => Promise<import('./lib/children.mjs').Server>} [start]
 */

/**
 * W8, mass reconnect: our broker (memory, and Redis on a Redis of our own), history at its defaults.
 * @param {string} stompModule
 * @returns {ResumeTargetDef[]}
 */
export function resumeTargets(stompModule) {
  const options = { stompModule };
  const path = '/stomp/websocket';
  return [
    {
      id: 'sockwire-stomp-memory',
      label: '**Sockwire STOMP**, memory broker',
      server: 'sockwire-stomp',
      options,
      path,
    },
    {
      id: 'sockwire-stomp-redis',
      label: '**Sockwire STOMP**, Redis broker (+ its Redis)',
      server: 'sockwire-stomp',
      options,
      path,
      start: (flags) => startWithRedis('sockwire-stomp', options, flags),
    },
  ];
}
