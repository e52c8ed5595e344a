/*
 * STOMP 1.2 over the lean WebSocket client (raw: one STOMP frame per WebSocket message, Sockwire's
 * `/stomp/websocket`) for the mass-reconnect workload: subscribers that resume the way the SDK does (their
 * position in a ResumeTracker), and a publisher whose SENDs can ask for a RECEIPT.
 */
import {
  frameCommand,
  frameHeader,
  headerNeedle,
  readStreamMessage,
  splitFrames,
  stompFrame,
} from '../lib/stomp-frames.mjs';
import { deferred } from './session.mjs';
import { LeanWebSocket } from './ws-client.mjs';

export const RESUME_TOPIC = '/topic/resume';

const CONNECT = stompFrame('CONNECT', {
  'accept-version': '1.2',
  host: '/',
  login: 'guest',
  passcode: 'guest',
  'heart-beat': '0,0',
});
const RECEIPT_ID = headerNeedle('receipt-id');
const OFFSET = headerNeedle('x-stream-offset');
const EPOCH = headerNeedle('x-stream-epoch');
const MESSAGE_BYTE = 0x4d; // M

/**
 * @typedef {object} StompHandlers
 * @property {() => void} onConnected
 * @property {(receipt: string, buf: Buffer, start: number, end: number) => void} [onReceipt]
 * @property {(buf: Buffer, start: number, end: number) => void} [onMessage]
 * @property {(error: Error) => void} onFailure an ERROR frame, a broken frame, or the connection lost
 */

/**
 * A STOMP session: CONNECT once the WebSocket is open, then every frame to the handlers.
 * @param {number} port
 * @param {string} path
 * @param {StompHandlers} h
 */
function stompSession(port, path, h) {
  let closing = false;
  const ws = new LeanWebSocket(
    port,
    path,
    {
      onOpen: () => ws.sendText(CONNECT),
      onMessage(buf, start, end) {
        const rest = splitFrames(buf, start, end, (from, to) => {
          // MESSAGE first: it is nearly every frame.
          if (buf[from] === MESSAGE_BYTE) {
            h.onMessage?.(buf, from, to);
            return;
          }
          const command = frameCommand(buf, from, to);
          if (command === 'RECEIPT')
            h.onReceipt?.(frameHeader(buf, from, to, RECEIPT_ID) ?? '', buf, from, to);
          else if (command === 'CONNECTED') h.onConnected();
          else if (command === 'ERROR')
            h.onFailure(new Error(`STOMP ERROR: ${buf.toString('latin1', from, Math.min(to, from + 200))}`));
        });
        if (rest !== end) h.onFailure(new Error('a WebSocket message ended inside a STOMP frame'));
      },
      onClose: (error) => {
        if (!closing) h.onFailure(error ?? new Error('connection closed by the server'));
      },
    },
    'v12.stomp',
  );
  return {
    /** @param {string} frame */
    send: (frame) => ws.sendText(frame),
    /** Drop the connection with a TCP reset (the cut), without reporting it as a failure. */
    reset() {
      closing = true;
      ws.reset();
    },
  };
}

/**
 * A subscriber to RESUME_TOPIC whose SUBSCRIBE carries the tracker's resume headers. `open()` resolves at the
 * SUBSCRIBE's RECEIPT; messages go to the tracker, `onDone` when one completes the tracker's phase.
 * @param {{ port: number, path: string, tracker: import('../lib/resume-check.mjs').ResumeTracker, onDone: () => void, onFailure: (error: Error) => void }} o
 */
export function resumeSubscriber(o) {
  const opened = deferred();
  const session = stompSession(o.port, o.path, {
    onConnected() {
      session.send(
        stompFrame('SUBSCRIBE', {
          id: 'sub-0',
          destination: RESUME_TOPIC,
          ack: 'auto',
          receipt: 'subscribed',
          ...o.tracker.subscribeHeaders(),
        }),
      );
    },
    onReceipt(_receipt, buf, start, end) {
      o.tracker.started(frameHeader(buf, start, end, OFFSET), frameHeader(buf, start, end, EPOCH));
      opened.resolve();
    },
    onMessage(buf, start, end) {
      const hadError = o.tracker.error !== null;
      if (o.tracker.message(readStreamMessage(buf, start, end))) o.onDone();
      else if (!hadError && o.tracker.error !== null) o.onFailure(new Error(o.tracker.error));
    },
    onFailure(error) {
      opened.reject(error);
      o.onFailure(error);
    },
  });
  return { open: () => opened.promise, reset: () => session.reset() };
}

/**
 * A publisher to RESUME_TOPIC. `publish(payload, true)` resolves at the SEND's RECEIPT: the broker has the
 * message (and every SEND before it on this session).
 * @param {{ port: number, path: string }} o
 */
export function resumePublisher(o) {
  const opened = deferred();
  /** @type {Map<string, () => void>} */
  const receipts = new Map();
  /** @type {Error | null} */
  let failed = null;
  let nextReceipt = 0;
  const session = stompSession(o.port, o.path, {
    onConnected: opened.resolve,
    onReceipt(receipt) {
      receipts.get(receipt)?.();
      receipts.delete(receipt);
    },
    onFailure(error) {
      failed = error;
      opened.reject(error);
    },
  });
  return {
    open: () => opened.promise,
    /**
     * @param {string} payload
     * @param {boolean} [confirm]
     * @returns {Promise<void>}
     */
    publish(payload, confirm = false) {
      if (failed !== null) return Promise.reject(failed);
      const receipt = confirm ? `r${nextReceipt++}` : undefined;
      const headers = { destination: RESUME_TOPIC, 'content-type': 'text/plain', receipt };
      const done =
        receipt === undefined
          ? Promise.resolve()
          : new Promise((r) => receipts.set(receipt, () => r(undefined)));
      session.send(stompFrame('SEND', headers, payload));
      return /** @type {Promise<void>} */ (done);
    },
    reset: () => session.reset(),
  };
}
