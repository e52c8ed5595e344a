import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import {
  BUFFER_OVERFLOW_CLOSE,
  MESSAGE_TOO_BIG_CLOSE,
  NORMAL_CLOSE,
  webSocketCloseCode,
  webSocketClosed,
  webSocketCloseReason,
  webSocketErrorClose,
} from '../../connection/close-codes.js';
import { ConnectionCore } from '../../connection/core.js';
import { identityOfRequest } from '../../connection/identity.js';
import { OPEN } from '../../connection/states.js';
import type { CloseInfo, Connection } from '../../connection.js';
import type { ResolvedOptions } from '../../options.js';
import { newConnectionId, requestInfo } from '../http.js';

/**
 * The largest message a WebSocket endpoint reads (the raw one and SockJS's `websocket` transport), as a
 * multiple of maxMessageSize (4 MiB by default): ws's `maxPayload` for both. ws reads a message whole before
 * anyone sees it and closes with 1009 past its limit, before the protocol above could say why. So it reads up
 * to this hard cap, and each connection (or SockJS session) applies maxMessageSize itself, unless its consumer
 * checks sizes as data arrives (`relaxMessageLimit`, the STOMP layer): an oversized STOMP frame then gets an
 * ERROR naming the STOMP limit it passed, as over TCP. The factor is what a message may cost in memory before
 * it is refused; the same as maxBufferedBytes (4 MiB) for the other direction by default.
 */
export const RAW_MESSAGE_CAP_FACTOR = 4;

export function rawWebSocketMaxPayload(options: ResolvedOptions): number {
  return options.maxMessageSize * RAW_MESSAGE_CAP_FACTOR;
}

/**
 * `<prefix>/websocket`: a plain WebSocket with no SockJS framing (no open frame, no heartbeats, one message
 * per WebSocket message), for command-line and server-side clients, and for STOMP clients that speak
 * WebSocket directly. Its close remembers the code the application chose, which the socket may not carry.
 */
export class RawWebSocketConnection extends ConnectionCore<'websocket-raw', CloseInfo> implements Connection {
  /** Bytes of one message before the connection closes with 1009: maxMessageSize, or ws's hard cap. */
  private messageLimit: number;
  private readonly socket: WebSocket;

  constructor(socket: WebSocket, request: IncomingMessage, options: ResolvedOptions, prefix: string) {
    const identity = identityOfRequest(
      newConnectionId(),
      'websocket-raw',
      requestInfo(request),
      prefix,
      socket.protocol,
    );
    super(identity, options, OPEN);
    this.socket = socket;
    this.messageLimit = options.maxMessageSize;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.lifecycle.state !== 'open') return;
      if (isBinary) {
        this.close(1003, 'Binary messages are not supported: send text');
        return;
      }
      if (data.length > this.messageLimit) {
        // What ws reported when it applied maxMessageSize itself: a failed connection, not a chosen close.
        this.closeWith({ ...MESSAGE_TOO_BIG_CLOSE, wasClean: false });
        return;
      }
      this.emit('data', data.toString('utf8'));
    });
    socket.on('close', (code: number, reason: Buffer) => this.finish(webSocketClosed(code, reason)));
    socket.on('error', (error) => {
      options.log('debug', `websocket error: ${error.message}`);
      // ws is already closing the socket with this code: report it, not the 1006 its 'close' event will say.
      this.finish({ ...webSocketErrorClose(error), wasClean: false });
    });
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  write(message: string): boolean {
    if (this.lifecycle.state !== 'open') return false;
    this.socket.send(String(message), this.afterSend);
    const verdict = this.buffer.admit(this.socket.bufferedAmount);
    if (verdict === 'overflow') {
      this.close(BUFFER_OVERFLOW_CLOSE.code, BUFFER_OVERFLOW_CLOSE.reason);
      return false;
    }
    return verdict === 'accepted';
  }

  private readonly afterSend = (): void => this.checkDrain();

  close(code: number = NORMAL_CLOSE.code, reason: string = NORMAL_CLOSE.reason): boolean {
    return this.closeWith({ code, reason, wasClean: true });
  }

  /**
   * The consumer checks sizes itself as data arrives (the STOMP parser, with its frame limits): hand it any
   * message ws read, up to the hard cap, instead of closing over maxMessageSize. See rawWebSocketMaxPayload.
   */
  relaxMessageLimit(): void {
    this.messageLimit = Number.POSITIVE_INFINITY;
  }

  destroy(): void {
    this.socket.terminate();
  }

  /** The application hears the code it chose (2012, say), even where the socket must carry another (1008). */
  private closeWith(info: CloseInfo): boolean {
    if (this.lifecycle.state !== 'open') return false;
    this.lifecycle.enter({ state: 'closing', close: info });
    this.socket.close(webSocketCloseCode(info.code), webSocketCloseReason(info.reason));
    return true;
  }

  private finish(info: CloseInfo): void {
    const phase = this.lifecycle.phase;
    if (phase.state === 'closed') return;
    const reported = phase.state === 'closing' ? phase.close : info;
    this.lifecycle.enter({ state: 'closed', close: reported });
    this.emit('close', reported);
  }
}
