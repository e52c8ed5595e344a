/*
 * A minimal keep-alive HTTP/1.1 client for load generation, like a browser's connection pool of one: one
 * persistent socket, one request at a time, requests handed over as pre-formatted bytes. `node:http` costs
 * the load core more than the servers it measures. Chunked bodies are delivered chunk by chunk, as the server
 * wrote them (a streaming transport writes one frame per chunk); other bodies are delivered once, whole.
 */
import net from 'node:net';

/**
 * @typedef {object} ResponseHandlers
 * @property {(buf: Buffer, start: number, end: number) => void} onBody a chunk, or the whole body
 * @property {(status: number) => void} onEnd the response is complete
 * @property {(error: Error) => void} onError the connection failed before the response was complete
 */

const CRLF = Buffer.from('\r\n');

export class KeepAliveHttp {
  /** @param {number} port */
  constructor(port) {
    this.port = port;
    /** @type {net.Socket | null} */
    this.socket = null;
    /** @type {ResponseHandlers | null} */
    this.current = null;
    /** @type {Buffer | null} */
    this.pending = null;
    this.state = 'head';
    this.status = 0;
    /** bytes left of a Content-Length body, or -1 while reading chunk sizes */
    this.remaining = 0;
    this.chunked = false;
  }

  get busy() {
    return this.current !== null;
  }

  /**
   * @param {Buffer | string} bytes the complete request, head and body
   * @param {ResponseHandlers} handlers
   */
  request(bytes, handlers) {
    if (this.current !== null) throw new Error('KeepAliveHttp: a request is already in flight');
    this.current = handlers;
    this.state = 'head';
    if (this.socket === null || this.socket.destroyed) this.connect();
    /** @type {net.Socket} */ (this.socket).write(bytes);
  }

  connect() {
    const socket = net.connect({ port: this.port, host: '127.0.0.1', noDelay: true });
    this.socket = socket;
    this.pending = null;
    socket.on('data', (chunk) => this.onData(chunk));
    const lost = (/** @type {Error | undefined} */ error) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const handlers = this.current;
      this.current = null;
      // A server may close an idle keep-alive socket: that is only an error in the middle of a response.
      handlers?.onError(error ?? new Error('connection closed by the server'));
    };
    socket.on('error', lost);
    socket.on('close', () => lost(undefined));
  }

  /** @param {Buffer} chunk */
  onData(chunk) {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let i = 0;
    while (this.current !== null && i < buf.length) {
      const handlers = this.current;
      if (this.state === 'head') {
        const headEnd = buf.indexOf('\r\n\r\n', i);
        if (headEnd < 0) break;
        const head = buf.toString('latin1', i, headEnd).toLowerCase();
        this.status = Number(head.slice(9, 12));
        i = headEnd + 4;
        this.chunked = head.includes('\ntransfer-encoding: chunked');
        const length = /\ncontent-length: *(\d+)/.exec(head);
        this.remaining = length ? Number(length[1]) : 0;
        if (this.chunked) this.state = 'size';
        else if (this.remaining > 0) this.state = 'body';
        else {
          this.complete(this.status);
        }
      } else if (this.state === 'body') {
        if (buf.length - i < this.remaining) break;
        handlers.onBody(buf, i, i + this.remaining);
        i += this.remaining;
        if (this.current === handlers) this.complete(this.status);
      } else if (this.state === 'size') {
        const lineEnd = buf.indexOf(CRLF, i);
        if (lineEnd < 0) break;
        const size = Number.parseInt(buf.toString('latin1', i, lineEnd), 16);
        if (size === 0) {
          // Last chunk: no trailers are ever sent by the servers measured, so an empty line follows.
          if (buf.length - lineEnd < 4) break;
          i = lineEnd + 4;
          this.complete(this.status);
          continue;
        }
        if (buf.length - (lineEnd + 2) < size + 2) break;
        i = lineEnd + 2;
        handlers.onBody(buf, i, i + size);
        i += size + 2;
      }
    }
    if (i < buf.length && this.socket !== null) this.pending = Buffer.from(buf.subarray(i));
  }

  /** @param {number} status */
  complete(status) {
    const handlers = /** @type {ResponseHandlers} */ (this.current);
    this.current = null;
    this.state = 'head';
    handlers.onEnd(status);
  }

  /** Reset the connection (no TIME_WAIT on the load generator's ports) and forget any request. */
  reset() {
    const socket = this.socket;
    this.socket = null;
    this.current = null;
    socket?.resetAndDestroy();
  }
}

/**
 * A pre-formatted request.
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {number} port
 * @param {string} [body] sent whenever it is given (POSTs always carry a Content-Length, as browsers do)
 */
export function formatRequest(method, path, port, body) {
  let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
  if (method === 'POST') {
    const data = body ?? '';
    head += `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(data)}\r\n\r\n`;
    return Buffer.from(head + data);
  }
  return Buffer.from(`${head}\r\n`);
}
