import { once } from 'node:events';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import { createServer, type ServerOptions, type SockwireServer } from '../../src/index.js';
import { DEFAULTS, PROTOCOL_SUITE } from '../../src/options.js';

/**
 * What `sockwire conformance` gives its services (see src/cli/conformance.ts), for the tests that port the
 * protocol suite: made-up origins echoed with credentials, any `[a-zA-Z0-9_.-]` callback, the iframe page on.
 */
export const PROTOCOL_SUITE_OPTIONS: ServerOptions = {
  iframe: true,
  sockjsUrl: DEFAULTS.sockjsUrl,
  [PROTOCOL_SUITE]: true,
};

/** A JSONP/htmlfile callback of the form sockjs-client generates, the only one accepted by default. */
export const CALLBACK = '_jp.a1b2c3d';

export interface TestServer {
  readonly http: Server;
  readonly base: string;
  readonly port: number;
  readonly services: Record<string, SockwireServer>;
  close(): Promise<void>;
}

/**
 * An HTTP server on a free port with services installed. The default set mirrors the protocol suite's:
 * echo (response limit 4096), disabled_websocket_echo, cookie_needed_echo and close.
 */
export async function startServer(
  extra: Record<string, ServerOptions & { onConnection?: 'echo' | 'close' }> = {},
  common: ServerOptions = {},
): Promise<TestServer> {
  const http = createHttpServer();
  const specs: Record<string, ServerOptions & { onConnection?: 'echo' | 'close' }> = {
    echo: { responseLimit: 4096 },
    disabled_websocket_echo: { websocket: false },
    cookie_needed_echo: { jsessionid: true },
    close: { onConnection: 'close' },
    ...extra,
  };
  const services: Record<string, SockwireServer> = {};
  for (const [name, { onConnection = 'echo', ...options }] of Object.entries(specs)) {
    const service = createServer({
      allowedOrigins: '*',
      disconnectDelay: 300,
      ...common,
      ...options,
      prefix: `/${name}`,
    });
    service.on('connection', (connection) => {
      if (onConnection === 'close') connection.close(3000, 'Go away!');
      else connection.on('data', (message) => connection.write(message));
    });
    service.installHandlers(http);
    services[name] = service;
  }
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    http,
    port,
    base: `http://127.0.0.1:${port}`,
    services,
    close: async () => {
      for (const service of Object.values(services)) service.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One complete HTTP request (a fresh connection each time, like the protocol suite). */
export function request(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const POST = (url: string, body?: string, headers?: Record<string, string>) =>
  request('POST', url, { body, headers });
export const GET = (url: string, headers?: Record<string, string>) => request('GET', url, { headers });

/** A streaming response read chunk by chunk (each `res.write` on the server is one chunk on the wire). */
export interface Stream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Resolves with the next chunk of text, or null once the response has ended. */
  read(): Promise<string | null>;
  /** Read until `text` has accumulated exactly (across chunks) and return it. */
  readText(length: number): Promise<string>;
  abort(): void;
}

export function stream(method: string, url: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const queue: Array<string | null> = [];
      const waiters: Array<(chunk: string | null) => void> = [];
      const push = (chunk: string | null) => {
        const waiter = waiters.shift();
        if (waiter) waiter(chunk);
        else queue.push(chunk);
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => push(chunk));
      res.on('end', () => push(null));
      res.on('error', () => push(null));
      res.on('close', () => push(null));
      const read = () =>
        new Promise<string | null>((done) => {
          if (queue.length > 0) done(queue.shift() as string | null);
          else waiters.push(done);
        });
      let pending = '';
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        read: async () => {
          if (pending !== '') {
            const out = pending;
            pending = '';
            return out;
          }
          return read();
        },
        readText: async (length: number) => {
          while (pending.length < length) {
            const chunk = await read();
            if (chunk === null) break;
            pending += chunk;
          }
          const out = pending.slice(0, length);
          pending = pending.slice(length);
          return out;
        },
        abort: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw TCP connection for HTTP/1.0 and malformed-request tests. */
export async function rawConnect(port: number): Promise<Socket & { received(): Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {});
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return Object.assign(socket, {
    received: async () => {
      await ended;
      return data;
    },
  });
}

/** Wait until `predicate` holds, polling the event loop (no fixed sleeps in assertions). */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let counter = 0;
export const sessionUrl = (base: string, service = 'echo') =>
  `${base}/${service}/000/${process.pid}-${Date.now()}-${++counter}`;

/** A request whose response has not necessarily started (a waiting poll): abort it, or await it. */
export function pending(method: string, url: string): { abort(): void; done: Promise<Response> } {
  let abort = () => {};
  const done = new Promise<Response>((resolve, reject) => {
    const req = httpRequest(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
    abort = () => req.destroy();
  });
  done.catch(() => {});
  return { abort: () => abort(), done };
}
