import type { FetchInit, FetchLike, ResponseLike } from '../../src/index.js';

/*
 * Hand-driven stand-ins for WebSocket, EventSource and fetch. Nothing happens until the test says so, and
 * everything they were asked to do is recorded, so a test reads as a script of the server's side.
 * They stand in only where no real part can run (vitest's fake timers, frames no real server sends); a test
 * that uses them says so in its name ("(fake WebSocket and fetch)"), as the server's "(fake connection)" ones do.
 */

type Listener = ((event: never) => void) | null;

function call(handler: Listener, event: unknown): void {
  (handler as ((event: unknown) => void) | null)?.(event);
}

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  readonly url: string;
  readonly sent: string[] = [];
  bufferedAmount = 0;
  closed = false;
  onopen: Listener = null;
  onmessage: Listener = null;
  onclose: Listener = null;
  onerror: Listener = null;

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error('no WebSocket was constructed');
    return socket;
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.closed = true;
  }

  /** The server sends one SockJS frame. */
  frame(data: string): void {
    call(this.onmessage, { data });
  }

  /** The connection ends (1006 unless told otherwise), with the error event browsers fire first. */
  drop(code = 1006, reason = ''): void {
    if (code === 1006) call(this.onerror, {});
    call(this.onclose, { code, reason });
  }
}

export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readonly url: string;
  readonly withCredentials: boolean;
  closed = false;
  onmessage: Listener = null;
  onerror: Listener = null;

  constructor(url: string, init?: { withCredentials?: boolean }) {
    this.url = url;
    this.withCredentials = init?.withCredentials ?? false;
    FakeEventSource.instances.push(this);
  }

  static reset(): void {
    FakeEventSource.instances = [];
  }

  static last(): FakeEventSource {
    const source = FakeEventSource.instances.at(-1);
    if (!source) throw new Error('no EventSource was constructed');
    return source;
  }

  close(): void {
    this.closed = true;
  }

  frame(data: string): void {
    call(this.onmessage, { data });
  }

  /** The response ended or failed: either way EventSource reports an error. */
  error(): void {
    call(this.onerror, {});
  }
}

/** One request made through the fake fetch, answered by the test. */
export class FakeRequest {
  readonly url: string;
  readonly init: FetchInit;
  aborted = false;
  private resolve!: (response: ResponseLike) => void;
  private reject!: (error: unknown) => void;
  private stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  readonly response: Promise<ResponseLike>;

  constructor(url: string, init: FetchInit) {
    this.url = url;
    this.init = init;
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    init.signal?.addEventListener('abort', () => {
      this.aborted = true;
      const error = new DOMException('The operation was aborted', 'AbortError');
      this.reject(error);
      try {
        this.stream?.error(error);
      } catch {}
    });
  }

  /** The last path segment: `info`, `xhr_streaming`, `xhr_send`, ... */
  get endpoint(): string {
    return new URL(this.url).pathname.split('/').at(-1) ?? '';
  }

  /** Answer with a complete body. */
  reply(status: number, body = ''): void {
    this.resolve(new Response(status === 204 ? null : body, { status }));
  }

  /** Answer with headers only; the body streams through `push` and `end`. */
  open(status = 200): this {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stream = controller;
      },
    });
    this.resolve(new Response(body, { status }));
    return this;
  }

  push(text: string): this {
    return this.pushBytes(new TextEncoder().encode(text));
  }

  pushBytes(bytes: Uint8Array): this {
    this.stream?.enqueue(bytes);
    return this;
  }

  end(): void {
    this.stream?.close();
  }

  /** The network fails: before the response, or in the middle of its body. */
  fail(message = 'network error'): void {
    const error = new TypeError(message);
    this.reject(error);
    try {
      this.stream?.error(error);
    } catch {}
  }
}

export class FakeHttp {
  readonly requests: FakeRequest[] = [];
  /** Answers `/info` by itself, after `infoDelay` ms of (fake) time, unless set to null. */
  info: Record<string, unknown> | null = {
    websocket: true,
    cookie_needed: false,
    origins: ['*:*'],
    entropy: 1,
  };
  infoDelay = 10;
  /** Answers `xhr_send` with 204 by itself, unless false. */
  autoSend = true;

  readonly fetch: FetchLike = (url, init) => {
    const request = new FakeRequest(url, init);
    this.requests.push(request);
    if (request.endpoint === 'info' && this.info) {
      const body = JSON.stringify(this.info);
      setTimeout(() => request.reply(200, body), this.infoDelay);
    } else if (request.endpoint === 'xhr_send' && this.autoSend) {
      queueMicrotask(() => request.reply(204));
    }
    return request.response;
  };

  to(endpoint: string): FakeRequest[] {
    return this.requests.filter((request) => request.endpoint === endpoint);
  }

  last(endpoint: string): FakeRequest {
    const request = this.to(endpoint).at(-1);
    if (!request) throw new Error(`no request to ${endpoint}`);
    return request;
  }

  /** Bodies of every xhr_send, parsed. */
  sentBatches(): string[][] {
    return this.to('xhr_send').map((request) => JSON.parse(request.init.body ?? '') as string[]);
  }
}

/** Everything a socket needs to run on fakes alone. */
export function fakeEnv(): {
  http: FakeHttp;
  options: { fetch: FetchLike; WebSocket: typeof FakeWebSocket; EventSource: typeof FakeEventSource };
} {
  FakeWebSocket.reset();
  FakeEventSource.reset();
  const http = new FakeHttp();
  return { http, options: { fetch: http.fetch, WebSocket: FakeWebSocket, EventSource: FakeEventSource } };
}

/** Records every event a target dispatches, in order, as `type` or `type:detail`. */
export function recordEvents(target: EventTarget, types: readonly string[]): string[] {
  const log: string[] = [];
  for (const type of types) {
    target.addEventListener(type, (event) => {
      const detail = event as Event & { code?: number; data?: string };
      if (detail.code !== undefined) log.push(`${type}:${detail.code}`);
      else if (detail.data !== undefined) log.push(`${type}:${detail.data}`);
      else log.push(type);
    });
  }
  return log;
}
