/*
 * STOMP 1.2 sessions over the lean WebSocket client, raw (one STOMP frame per WebSocket message, as RabbitMQ
 * Web-STOMP and Sockwire's `/websocket` endpoint speak it) or inside SockJS frames. Subscribers SUBSCRIBE
 * to one topic with a receipt and count as open once the RECEIPT arrives, so no message is published before
 * every subscription exists. Publishers only SEND.
 */
import { deferred, sessionId } from './session.mjs';
import { clientFrame, LeanWebSocket } from './ws-client.mjs';

export const TOPIC = '/topic/bench';

const CONNECT = 'CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\nheart-beat:0,0\n\n\0';
const SUBSCRIBE = `SUBSCRIBE\nid:0\ndestination:${TOPIC}\nack:auto\nreceipt:subscribed\n\n\0`;

/**
 * @param {{ path: string, sockjs: boolean }} endpoint
 * @returns {(o: import('./session.mjs').SessionOptions) => import('./session.mjs').Session}
 */
export function stompWs(endpoint) {
  return (o) => {
    const opened = deferred();
    const wrap = endpoint.sockjs
      ? (/** @type {string} */ f) => JSON.stringify([f])
      : (/** @type {string} */ f) => f;
    const path = endpoint.sockjs ? `${endpoint.path}/000/${sessionId()}/websocket` : endpoint.path;
    let state = 'connecting';
    /** @param {string} text */
    const sendFrame = (text) => ws.sendFrame(clientFrame(wrap(text)));
    const ws = new LeanWebSocket(
      o.port,
      path,
      {
        onOpen() {
          if (!endpoint.sockjs) sendFrame(CONNECT);
        },
        onMessage(buf, start, end) {
          if (state === 'open') {
            o.onData(buf, start, end);
            return;
          }
          // Handshake frames are few: reading them as text is fine.
          const text = buf.toString('latin1', start, end);
          if (endpoint.sockjs && text === 'o') sendFrame(CONNECT);
          else if (text.includes('ERROR')) opened.reject(new Error(`STOMP ERROR: ${text.slice(0, 200)}`));
          else if (text.includes('CONNECTED')) {
            if (o.role === 'publisher') {
              state = 'open';
              opened.resolve();
            } else sendFrame(SUBSCRIBE);
          } else if (text.includes('RECEIPT')) {
            state = 'open';
            opened.resolve();
          }
        },
        onClose: (error) => {
          opened.reject(error ?? new Error('closed before open'));
          o.onClose?.(error);
        },
      },
      endpoint.sockjs ? undefined : 'v12.stomp',
    );
    return {
      open: () => opened.promise,
      send: (payload) => sendFrame(`SEND\ndestination:${TOPIC}\ncontent-type:text/plain\n\n${payload}\0`),
      reset: () => ws.reset(),
    };
  };
}
