/*
 * Session adapters over the lean keep-alive HTTP client, shaped like a browser: one connection that receives
 * (a stream, re-opened when the server ends it at its response limit, or a poll, re-issued at once) and one
 * that sends, opened on first use. Sends made while a send is in flight are batched into the next request,
 * as sockjs-client and engine.io-client do.
 */
import { formatRequest, KeepAliveHttp } from './http-client.mjs';
import { deferred, hasOpenFrame, sessionId } from './session.mjs';

class Sender {
  /**
   * @param {number} port
   * @param {(batch: string[]) => Buffer} format
   * @param {(error: Error) => void} onError
   */
  constructor(port, format, onError) {
    this.port = port;
    this.format = format;
    this.onError = onError;
    /** @type {KeepAliveHttp | null} */
    this.http = null;
    /** @type {string[]} */
    this.queue = [];
    this.lastPayload = '';
    /** @type {Buffer} */
    this.lastRequest = Buffer.alloc(0);
  }

  /** @param {string} payload */
  send(payload) {
    this.queue.push(payload);
    this.http ??= new KeepAliveHttp(this.port);
    if (!this.http.busy) this.flush();
  }

  flush() {
    const batch = this.queue;
    this.queue = [];
    let request;
    if (batch.length === 1 && batch[0] === this.lastPayload) request = this.lastRequest;
    else {
      request = this.format(batch);
      if (batch.length === 1) {
        this.lastPayload = /** @type {string} */ (batch[0]);
        this.lastRequest = request;
      }
    }
    /** @type {KeepAliveHttp} */ (this.http).request(request, {
      onBody() {},
      onEnd: (status) => {
        if (status >= 300) this.onError(new Error(`send answered ${status}`));
        else if (this.queue.length > 0) this.flush();
      },
      onError: this.onError,
    });
  }

  reset() {
    this.http?.reset();
    this.queue = [];
  }
}

/**
 * The receiving side: issues `receiveRequest()` again each time a response ends, until reset.
 * @param {import('./session.mjs').SessionOptions} o
 * @param {() => Buffer} receiveRequest
 * @param {(buf: Buffer, start: number, end: number) => void} onBody
 * @param {{ reject: (e: Error) => void }} opened
 */
function receiver(o, receiveRequest, onBody, opened) {
  const http = new KeepAliveHttp(o.port);
  let done = false;
  const handlers = {
    onBody,
    onEnd: (/** @type {number} */ status) => {
      if (done) return;
      if (status !== 200) fail(new Error(`receiving request answered ${status}`));
      else http.request(receiveRequest(), handlers);
    },
    onError: (/** @type {Error} */ error) => fail(error),
  };
  const fail = (/** @type {Error} */ error) => {
    if (done) return;
    done = true;
    opened.reject(error);
    o.onClose?.(error);
  };
  return {
    http,
    handlers,
    start: () => http.request(receiveRequest(), handlers),
    stop: () => {
      done = true;
      http.reset();
    },
  };
}

/** @param {import('./session.mjs').SessionOptions} o @returns {import('./session.mjs').Session} */
export function rawStream(o) {
  const opened = deferred();
  const id = sessionId();
  let open = false;
  const request = formatRequest('GET', `/${o.group}/stream?id=${id}`, o.port);
  const r = receiver(
    o,
    () => request,
    (buf, start, end) => {
      if (open) o.onData(buf, start, end);
      else if (buf[start] === 0x6f) {
        open = true;
        opened.resolve();
      }
    },
    opened,
  );
  r.start();
  const sendPath = `/${o.group}/send?id=${id}`;
  const sender = new Sender(
    o.port,
    (batch) => formatRequest('POST', sendPath, o.port, batch.join('\n')),
    (e) => o.onClose?.(e),
  );
  return {
    open: () => opened.promise,
    send: (payload) => sender.send(payload),
    reset: () => {
      r.stop();
      sender.reset();
    },
  };
}

/**
 * SockJS over HTTP, for sockjs-node and Sockwire alike.
 * @param {'xhr-streaming' | 'eventsource' | 'xhr-polling'} transport
 */
export function sockjsHttp(transport) {
  /** @param {import('./session.mjs').SessionOptions} o @returns {import('./session.mjs').Session} */
  return (o) => {
    const opened = deferred();
    const base = `/${o.group}/000/${sessionId()}`;
    const request =
      transport === 'xhr-streaming'
        ? formatRequest('POST', `${base}/xhr_streaming`, o.port, '')
        : transport === 'eventsource'
          ? formatRequest('GET', `${base}/eventsource`, o.port)
          : formatRequest('POST', `${base}/xhr`, o.port, '');
    // Where the frame type sits in a body range: EventSource prefixes `data: `.
    const typeAt = transport === 'eventsource' ? 6 : 0;
    let open = false;
    const r = receiver(
      o,
      () => request,
      (buf, start, end) => {
        // A range may be shorter than typeAt (EventSource's `\r\n` prelude): never read past its end.
        if (start + typeAt < end && buf[start + typeAt] === 0x63 /* c: closed by the server */) {
          r.stop();
          o.onClose?.(new Error(`session closed: ${buf.toString('latin1', start, end).trim()}`));
          return;
        }
        if (open) o.onData(buf, start, end);
        else if (hasOpenFrame(buf, start, end)) {
          open = true;
          opened.resolve();
        }
      },
      opened,
    );
    if (o.info) {
      r.http.request(formatRequest('GET', `/${o.group}/info?t=${Date.now()}`, o.port), {
        onBody() {},
        onEnd: () => r.start(),
        onError: opened.reject,
      });
    } else r.start();
    const sender = new Sender(
      o.port,
      (batch) => formatRequest('POST', `${base}/xhr_send`, o.port, JSON.stringify(batch)),
      (e) => o.onClose?.(e),
    );
    return {
      open: () => opened.promise,
      send: (payload) => sender.send(payload),
      reset: () => {
        r.stop();
        sender.reset();
      },
    };
  };
}

/** @param {import('./session.mjs').SessionOptions} o @returns {import('./session.mjs').Session} */
export function socketioPolling(o) {
  const opened = deferred();
  const base = '/socket.io/?EIO=4&transport=polling';
  let poll = Buffer.alloc(0);
  /** @type {Sender | null} */
  let sender = null;
  let open = false;
  const event = o.group === 'echo' ? 'e' : 'b';
  const r = receiver(
    o,
    () => poll,
    (buf, start, end) => {
      if (sender === null) {
        // The engine.io handshake: `0{"sid":"...",...}`. Join the default namespace, then poll.
        const sid = /"sid":"([^"]+)"/.exec(buf.toString('latin1', start, end))?.[1];
        if (sid === undefined) return;
        poll = formatRequest('GET', `${base}&sid=${sid}`, o.port);
        const path = `${base}&sid=${sid}`;
        sender = new Sender(
          o.port,
          (batch) => formatRequest('POST', path, o.port, batch.join('\x1e')),
          (e) => o.onClose?.(e),
        );
        sender.send('40');
        return;
      }
      // Packets are separated by 0x1e; answer pings, notice the namespace join, hand the rest on.
      for (let i = start; i < end; ) {
        let j = buf.indexOf(0x1e, i);
        if (j < 0 || j > end) j = end;
        const type = buf[i];
        if (type === 0x32 /* 2: ping */) sender.send('3');
        else if (type === 0x31 /* 1: close */) {
          r.stop();
          o.onClose?.(new Error('closed by the server'));
          return;
        } else if (type === 0x34 && buf[i + 1] === 0x30 /* 40 */ && !open) {
          open = true;
          opened.resolve();
        } else if (type === 0x34) o.onData(buf, i, j);
        i = j + 1;
      }
    },
    opened,
  );
  poll = formatRequest('GET', base, o.port);
  r.start();
  return {
    open: () => opened.promise,
    send: (payload) => sender?.send(`42${JSON.stringify([event, payload])}`),
    reset: () => {
      r.stop();
      sender?.reset();
    },
  };
}
