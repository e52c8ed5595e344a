/*
 * A minimal WebSocket client for load generation. One load core cannot drive a server to its limit through
 * the `ws` client, so this one does only what the benchmarks need: a pre-formatted handshake (the accept key
 * is not checked), text frames masked with an all-zero key (valid, and no XOR to compute), and a frame parser
 * that hands out payload ranges of the received buffer without copying them.
 */
import net from 'node:net';

const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/**
 * A complete client frame: FIN + opcode, mask bit + length, a zero masking key, the payload unchanged.
 * @param {Buffer | string} payload
 * @param {number} [opcode]
 */
export function clientFrame(payload, opcode = OPCODE_TEXT) {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = data.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const frame = Buffer.alloc(2 + lengthBytes + 4 + n);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | n;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  data.copy(frame, 2 + lengthBytes + 4);
  return frame;
}

/**
 * The opening handshake's request (the accept key in the answer is not checked).
 * @param {number} port
 * @param {string} path
 * @param {string} [protocols] Sec-WebSocket-Protocol offer
 */
export function upgradeRequest(port, path, protocols) {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
    (protocols === undefined ? '' : `Sec-WebSocket-Protocol: ${protocols}\r\n`) +
    '\r\n'
  );
}

/**
 * @typedef {object} WsHandlers
 * @property {() => void} [onOpen] the server answered 101
 * @property {(buf: Buffer, start: number, end: number) => void} onMessage a data frame's payload range
 * @property {(error?: Error) => void} [onClose] the connection ended (error: it failed)
 */

export class LeanWebSocket {
  /**
   * @param {number} port
   * @param {string} path
   * @param {WsHandlers} handlers
   * @param {string} [protocols] Sec-WebSocket-Protocol offer
   */
  constructor(port, path, handlers, protocols) {
    this.handlers = handlers;
    /** @type {Buffer | null} bytes of an incomplete handshake or frame */
    this.pending = null;
    this.upgraded = false;
    this.closed = false;
    this.socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    this.socket.on('connect', () => {
      this.socket.write(upgradeRequest(port, path, protocols));
    });
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (error) => this.finish(error));
    this.socket.on('close', () => this.finish());
  }

  /** @param {Error} [error] */
  finish(error) {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose?.(error);
  }

  /** @param {Buffer} chunk */
  onData(chunk) {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let i = 0;
    if (!this.upgraded) {
      const headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        this.pending = buf;
        return;
      }
      if (buf.toString('latin1', 0, 12) !== 'HTTP/1.1 101') {
        this.socket.destroy();
        this.finish(new Error(`upgrade refused: ${buf.toString('latin1', 0, buf.indexOf('\r\n'))}`));
        return;
      }
      this.upgraded = true;
      this.handlers.onOpen?.();
      i = headEnd + 4;
    }
    while (buf.length - i >= 2) {
      const b0 = /** @type {number} */ (buf[i]);
      let length = /** @type {number} */ (buf[i + 1]) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length - i < 4) break;
        length = buf.readUInt16BE(i + 2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length - i < 10) break;
        length = Number(buf.readBigUInt64BE(i + 2));
        offset = 10;
      }
      // Servers never mask; a masked frame would be a broken server, and its key is skipped here.
      if (/** @type {number} */ (buf[i + 1]) & 0x80) offset += 4;
      if (buf.length - i < offset + length) break;
      const start = i + offset;
      const end = start + length;
      const opcode = b0 & 0x0f;
      if (opcode === OPCODE_PING) this.socket.write(clientFrame(buf.subarray(start, end), OPCODE_PONG));
      else if (opcode === OPCODE_CLOSE) {
        this.socket.end();
        this.finish();
        return;
      } else if (opcode !== OPCODE_PONG) this.handlers.onMessage(buf, start, end);
      i = end;
    }
    if (i < buf.length) {
      buf = buf.subarray(i);
      // Keep a copy only of the unparsed tail, so a partial frame does not pin a large read buffer.
      this.pending = Buffer.from(buf);
    }
  }

  /** @param {Buffer} frame a complete frame from `clientFrame` */
  sendFrame(frame) {
    if (!this.closed) this.socket.write(frame);
  }

  /** @param {string} text */
  sendText(text) {
    this.sendFrame(clientFrame(text));
  }

  /** Drop the connection with a TCP reset: no TIME_WAIT left on the load generator's ports. */
  reset() {
    this.closed = true;
    this.socket.resetAndDestroy();
  }
}
