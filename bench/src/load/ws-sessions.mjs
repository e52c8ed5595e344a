/* Session adapters over the lean WebSocket client: raw `ws`, SockJS's websocket, socket.io's websocket. */
import { formatRequest, KeepAliveHttp } from './http-client.mjs';
import { deferred, sessionId } from './session.mjs';
import { clientFrame, LeanWebSocket, upgradeRequest } from './ws-client.mjs';

/**
 * Frames by payload: a load client sends the same few payloads over and over, so each is formatted once.
 * @param {(payload: string) => string} wrap
 */
function frameCache(wrap) {
  let lastPayload = '';
  let lastFrame = Buffer.alloc(0);
  return (/** @type {string} */ payload) => {
    if (payload !== lastPayload) {
      lastPayload = payload;
      lastFrame = clientFrame(wrap(payload));
    }
    return lastFrame;
  };
}

/**
 * GET /info on its own connection, as sockjs-client does before a WebSocket.
 * @param {number} port
 * @param {string} group
 * @returns {Promise<void>}
 */
export function fetchInfo(port, group) {
  return new Promise((resolve, reject) => {
    const http = new KeepAliveHttp(port);
    http.request(formatRequest('GET', `/${group}/info?t=${Date.now()}`, port), {
      onBody() {},
      onEnd(status) {
        http.reset();
        if (status === 200) resolve();
        else reject(new Error(`/info answered ${status}`));
      },
      onError: reject,
    });
  });
}

/** @param {import('./session.mjs').SessionOptions} o @returns {import('./session.mjs').Session} */
export function rawWs(o) {
  const opened = deferred();
  const ws = new LeanWebSocket(o.port, `/${o.group}`, {
    onOpen: opened.resolve,
    onMessage: o.onData,
    onClose: (error) => {
      opened.reject(error ?? new Error('closed before open'));
      o.onClose?.(error);
    },
  });
  const frame = frameCache((p) => p);
  return {
    open: () => opened.promise,
    send: (payload) => ws.sendFrame(frame(payload)),
    reset: () => ws.reset(),
  };
}

/** @param {import('./session.mjs').SessionOptions} o @returns {import('./session.mjs').Session} */
export function sockjsWs(o) {
  const opened = deferred();
  /** @type {LeanWebSocket | null} */
  let ws = null;
  const connect = () => {
    ws = new LeanWebSocket(o.port, `/${o.group}/000/${sessionId()}/websocket`, {
      onMessage(buf, start, end) {
        const type = buf[start];
        if (type === 0x61 /* a */) o.onData(buf, start, end);
        else if (type === 0x6f /* o */) opened.resolve();
        else if (type === 0x63 /* c */) ws?.reset();
      },
      onClose: (error) => {
        opened.reject(error ?? new Error('closed before open'));
        o.onClose?.(error);
      },
    });
  };
  if (o.info) fetchInfo(o.port, o.group).then(connect, opened.reject);
  else connect();
  const frame = frameCache((p) => JSON.stringify([p]));
  return {
    open: () => opened.promise,
    send: (payload) => ws?.sendFrame(frame(payload)),
    reset: () => ws?.reset(),
  };
}

const PONG = clientFrame('3');
const CONNECT = clientFrame('40');

/** @param {import('./session.mjs').SessionOptions} o @returns {import('./session.mjs').Session} */
export function socketioWs(o) {
  const opened = deferred();
  const ws = new LeanWebSocket(o.port, '/socket.io/?EIO=4&transport=websocket', {
    onMessage(buf, start, end) {
      const type = buf[start];
      if (type === 0x34 /* 4: a socket.io packet */) {
        if (buf[start + 1] === 0x30 /* 40: namespace connected */) opened.resolve();
        else o.onData(buf, start, end);
      } else if (type === 0x30 /* 0: engine.io open */) ws.sendFrame(CONNECT);
      else if (type === 0x32 /* 2: ping */) ws.sendFrame(PONG);
    },
    onClose: (error) => {
      opened.reject(error ?? new Error('closed before open'));
      o.onClose?.(error);
    },
  });
  const event = o.group === 'echo' ? 'e' : 'b';
  const frame = frameCache((p) => `42${JSON.stringify([event, p])}`);
  return {
    open: () => opened.promise,
    send: (payload) => ws.sendFrame(frame(payload)),
    reset: () => ws.reset(),
  };
}

/*
 * The same three protocols for the native echo load (bench/native/echo-load.c): the bytes it sends and the
 * payload prefixes it acts on, built here so that the C program knows no protocol.
 */

/**
 * @typedef {object} NativeProtocol
 * @property {string} upgrade the upgrade request; `CLIENT_ID` in it is stamped with each client's index
 * @property {Buffer} frame one message's client frame, its payload holding `#` + 8 digits
 * @property {string} ready payload prefix of the server's open message ('' : open on the 101)
 * @property {[string, Buffer][]} replies payload prefix and the frame answering it
 */

/** Eight digits, unique per client once the C program stamps them (SockJS session ids must differ). */
export const CLIENT_ID = '00000000';

/** @param {number} port @param {string} path @param {string} payload @param {string} ready @param {[string, Buffer][]} [replies] */
const nativeProtocol = (port, path, payload, ready, replies = []) => ({
  upgrade: upgradeRequest(port, path),
  frame: clientFrame(payload),
  ready,
  replies,
});

/** @type {(port: number, group: string, message: string) => NativeProtocol} */
export const rawWsNative = (port, group, message) => nativeProtocol(port, `/${group}`, message, '');

/** @type {(port: number, group: string, message: string) => NativeProtocol} */
export const sockjsWsNative = (port, group, message) =>
  nativeProtocol(port, `/${group}/000/c${CLIENT_ID}/websocket`, JSON.stringify([message]), 'o');

/** @type {(port: number, group: string, message: string) => NativeProtocol} */
export const socketioWsNative = (port, group, message) =>
  nativeProtocol(
    port,
    '/socket.io/?EIO=4&transport=websocket',
    `42${JSON.stringify([group === 'echo' ? 'e' : 'b', message])}`,
    '40',
    [
      ['0', CONNECT], // engine.io open: join the default namespace
      ['2', PONG], // engine.io ping
    ],
  );
