import type { IncomingMessage } from 'node:http';
import { decodeWebSocketPayload, SockJSProtocolError } from '@sockwire/protocol';
import WebSocket from 'ws';
import {
  MESSAGE_TOO_BIG_CLOSE,
  NORMAL_CLOSE,
  webSocketCloseCode,
  webSocketClosed,
  webSocketCloseReason,
  webSocketErrorClose,
} from '../../connection/close-codes.js';
import type { FrameSink, FrameSinkEvents } from '../frame-sink.js';
import type { SockjsService } from '../service.js';
import type { Session } from '../session.js';

/** Send options: the frame goes as bytes but is a text message. Frozen so ws can never modify it. */
const BINARY_FALSE = Object.freeze({ binary: false });

/**
 * The last frame sent, and its UTF-8 bytes once it is sent a second time. A broadcast hands the same frame
 * string to every session (see shared-frames.ts): it is encoded once and the one buffer goes to
 * every socket (ws does not modify what a server sends: no masking). A frame sent once (an echo) goes as the
 * string, which the socket encodes as it writes, with no buffer allocated here.
 */
let lastFrame = '';
let lastFrameBytes: Buffer | null = null;

function frameData(frame: string): string | Buffer {
  if (frame !== lastFrame) {
    lastFrame = frame;
    lastFrameBytes = null;
    return frame;
  }
  lastFrameBytes ??= Buffer.from(frame, 'utf8');
  return lastFrameBytes;
}

/** The SockJS-framed WebSocket: one sink for the whole session. */
class WebSocketFrameSink implements FrameSink {
  readonly transport = 'websocket' as const;
  private readonly socket: WebSocket;
  private events: FrameSinkEvents | null = null;
  private readonly afterSend = (): void => this.events?.onDrain();

  constructor(socket: WebSocket) {
    this.socket = socket;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  bind(events: FrameSinkEvents): void {
    this.events = events;
    this.socket.on('close', (code: number, reason: Buffer) => events.onAbort(webSocketClosed(code, reason)));
  }

  sendFrame(frame: string, notifyDrain = false): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    const data = frameData(frame);
    if (notifyDrain) this.socket.send(data, BINARY_FALSE, this.afterSend);
    else this.socket.send(data, BINARY_FALSE);
    return true;
  }

  end(): void {
    this.close(NORMAL_CLOSE.code, NORMAL_CLOSE.reason);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(webSocketCloseCode(code), webSocketCloseReason(reason));
    }
  }

  destroy(): void {
    this.socket.terminate();
  }
}

/**
 * Run a SockJS session over an accepted WebSocket.
 *
 * ws reads each message whole up to its hard cap (rawWebSocketMaxPayload, as for the raw endpoint), and the
 * session applies maxMessageSize here: past it the socket closes with 1009, as ws did. A consumer that checks
 * sizes as data arrives (the STOMP layer, through `relaxMessageLimit`) gets every message ws read instead, so
 * an oversized STOMP frame gets an ERROR naming the STOMP limit it passed, as over TCP and the raw endpoint.
 */
export function runWebSocketSession(
  service: SockjsService,
  socket: WebSocket,
  request: IncomingMessage,
): Session {
  const session = service.createDetachedSession('websocket', request, socket.protocol);
  const { maxMessageSize } = service.options;
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      session.fail(1003, 'Binary messages are not supported: send text');
      return;
    }
    if (data.length > maxMessageSize && !session.messageLimitRelaxed) {
      // What ws reported when it applied maxMessageSize itself: a failed connection, not a chosen close.
      session.fail(MESSAGE_TOO_BIG_CLOSE.code, MESSAGE_TOO_BIG_CLOSE.reason);
      return;
    }
    let messages: string[];
    try {
      messages = decodeWebSocketPayload(data.toString('utf8'));
    } catch (error) {
      if (!(error instanceof SockJSProtocolError)) throw error;
      // No close frame: the client must see a broken connection, not an orderly application close.
      session.fail(error.closeCode, error.message);
      return;
    }
    session.receive(messages);
  });
  socket.on('error', (error) => {
    service.options.log('debug', `websocket error: ${error.message}`);
    // ws is already closing the socket with this code: report it, not the 1006 its 'close' event will say.
    const { code, reason } = webSocketErrorClose(error);
    session.fail(code, reason);
  });
  session.attach(new WebSocketFrameSink(socket));
  return session;
}
