import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { CloseCode, CloseReason } from '@sockwire/protocol';
import type WebSocket from 'ws';
import {
  type CloseInfo,
  type Connection,
  type ConnectionEvents,
  type ConnectionState,
  ReadyState,
} from '../../connection.js';
import type { ResolvedOptions } from '../../options.js';
import { newConnectionId } from '../http.js';
import { webSocketCloseCode, webSocketCloseReason, webSocketErrorClose } from './websocket-close.js';

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
 * WebSocket directly.
 */
export class RawWebSocketConnection extends EventEmitter<ConnectionEvents> implements Connection {
  readonly id = newConnectionId();
  readonly transport = 'websocket-raw' as const;
  readonly subprotocol: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly url: string;
  readonly pathname: string;
  readonly prefix: string;

  private currentState: ConnectionState = 'open';
  private needDrain = false;
  private requestedClose: CloseInfo | null = null;
  /** Bytes of one message before the connection closes with 1009: maxMessageSize, or ws's hard cap. */
  private messageLimit: number;
  private readonly socket: WebSocket;
  private readonly options: ResolvedOptions;

  constructor(socket: WebSocket, request: IncomingMessage, options: ResolvedOptions, prefix: string) {
    super();
    this.socket = socket;
    this.options = options;
    this.subprotocol = socket.protocol;
    this.remoteAddress = request.socket.remoteAddress ?? '';
    this.remotePort = request.socket.remotePort ?? 0;
    this.headers = request.headers;
    this.url = request.url ?? '';
    this.pathname = this.url.split('?', 1)[0] as string;
    this.prefix = prefix;
    this.messageLimit = options.maxMessageSize;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.currentState !== 'open') return;
      if (isBinary) {
        this.close(1003, 'Binary messages are not supported: send text');
        return;
      }
      if (data.length > this.messageLimit) {
        // What ws reported when it applied maxMessageSize itself: a failed connection, not a chosen close.
        this.close(CloseCode.MESSAGE_TOO_BIG, CloseReason[CloseCode.MESSAGE_TOO_BIG] as string);
        if (this.requestedClose !== null) this.requestedClose = { ...this.requestedClose, wasClean: false };
        return;
      }
      this.emit('data', data.toString('utf8'));
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.finish(
        code === 1006
          ? { code, reason: 'WebSocket connection lost', wasClean: false }
          : { code: code === 1005 ? CloseCode.NORMAL : code, reason: reason.toString(), wasClean: true },
      );
    });
    socket.on('error', (error) => {
      options.log('debug', `websocket error: ${error.message}`);
      // ws is already closing the socket with this code: report it, not the 1006 its 'close' event will say.
      this.finish({ ...webSocketErrorClose(error), wasClean: false });
    });
  }

  get protocol(): 'websocket-raw' {
    return this.transport;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get readyState(): ReadyState {
    return this.currentState === 'open'
      ? ReadyState.OPEN
      : this.currentState === 'closing'
        ? ReadyState.CLOSING
        : ReadyState.CLOSED;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  write(message: string): boolean {
    if (this.currentState !== 'open') return false;
    this.socket.send(String(message), this.afterSend);
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.options.maxBufferedBytes) {
      this.close(CloseCode.BUFFER_OVERFLOW, CloseReason[CloseCode.BUFFER_OVERFLOW] as string);
      return false;
    }
    if (buffered >= this.options.highWaterMark) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  private readonly afterSend = (): void => {
    if (
      this.needDrain &&
      this.currentState === 'open' &&
      this.socket.bufferedAmount < this.options.highWaterMark
    ) {
      this.needDrain = false;
      this.emit('drain');
    }
  };

  close(code: number = CloseCode.NORMAL, reason: string = CloseReason[CloseCode.NORMAL] as string): boolean {
    if (this.currentState !== 'open') return false;
    this.currentState = 'closing';
    // The application hears the code it chose (2012, say), even where the socket must carry another (1008).
    this.requestedClose = { code, reason, wasClean: true };
    this.socket.close(webSocketCloseCode(code), webSocketCloseReason(reason));
    return true;
  }

  end(): void {
    this.close();
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

  private finish(info: CloseInfo): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.emit('close', this.requestedClose ?? info);
  }
}
