/* Session adapters over the lean WebSocket client: raw `ws`, SockJS's websocket, socket.io's websocket. */
import { formatRequest, KeepAliveHttp } from './http-client.mjs';
import { deferred, sessionId } from './session.mjs';
import { clientFrame, LeanWebSocket } from './ws-client.mjs';

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
