import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { type Listening, listen } from './listen.js';

/*
 * A forwarding HTTP proxy between the browser and a service, standing in for the networks that break WebSocket
 * and streaming in the wild. The browser talks to it as to the origin server (a reverse proxy: no browser proxy
 * settings involved), over real TCP connections, so each client meets it exactly as it would a corporate or
 * hotel middlebox.
 *
 *   refuse-upgrade  answers every WebSocket Upgrade with 400, streams everything else through chunk by chunk
 *                   (a proxy with WebSocket disabled: the browser sees the failure at once)
 *   stall-upgrade   accepts the Upgrade request and never answers (a middlebox that silently drops it: only a
 *                   timeout tells the client), streams everything else through
 *   buffering       a plain HTTP proxy that knows nothing of Upgrade (it strips it, as a hop-by-hop header) and
 *                   forwards each response only once it has ended: streaming transports never see a byte
 */
export type ProxyMode = 'refuse-upgrade' | 'stall-upgrade' | 'buffering';

export interface TestProxy extends Listening {
  readonly mode: ProxyMode;
  /** The same URL, reached through this proxy: `http://127.0.0.1:<target port>/echo` → `http://127.0.0.1:<proxy port>/echo`. */
  via(url: string): string;
  /** One line per request handled, for the failure report. */
  readonly events: readonly string[];
}

// RFC 9110 section 7.6.1: a proxy must not forward these, nor any header that Connection names.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && !named.includes(name)) result[name] = value;
  }
  return result;
}

/** Writes a whole HTTP/1.1 response on a raw socket (the upgrade path has no ServerResponse). */
function writeRaw(
  socket: Socket,
  status: number,
  statusText: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
) {
  const lines = [`HTTP/1.1 ${status} ${statusText}`];
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'content-length' || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  }
  lines.push(`content-length: ${body.length}`, 'connection: close', '', '');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]));
}

export async function startProxy(mode: ProxyMode, targetOrigin: string): Promise<TestProxy> {
  const target = new URL(targetOrigin);
  const agent = new Agent({ keepAlive: true });
  const events: string[] = [];
  const log = (line: string) => events.push(`${new Date().toISOString().slice(11, 23)} ${line}`);

  /**
   * Sends the request on upstream; calls back with the upstream response once it has headers. An Upgrade
   * request's body stream never ends (Node hands the socket over instead), so it is sent without one.
   */
  const forward = (
    req: IncomingMessage,
    onResponse: (upstream: IncomingMessage) => void,
    withBody = true,
  ) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: endToEnd(req.headers),
        agent,
      },
      onResponse,
    );
    if (withBody) req.pipe(upstream);
    else upstream.end();
    return upstream;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = forward(req, (response) => {
      const status = response.statusCode ?? 502;
      const headers = endToEnd(response.headers);
      log(`${req.method} ${req.url} -> ${status}${mode === 'buffering' ? ' (buffering)' : ''}`);
      if (mode !== 'buffering') {
        res.writeHead(status, headers);
        // Headers go out now, not with the first body chunk: a streaming client waits on them.
        res.flushHeaders();
        response.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        log(`${req.method} ${req.url} forwarded ${body.length} bytes at end`);
        res.writeHead(status, { ...headers, 'content-length': String(body.length) });
        res.end(body);
      });
    });
    // The client gave up (a transport timed out): so does the proxy, as a real one would.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('error', (error) => {
      log(`${req.method} ${req.url} upstream error: ${error.message}`);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    if (mode === 'refuse-upgrade') {
      log(`UPGRADE ${req.url} refused with 400`);
      const body = Buffer.from('WebSocket is not allowed through this proxy\n');
      writeRaw(socket, 400, 'Bad Request', { 'content-type': 'text/plain' }, body);
    } else if (mode === 'stall-upgrade') {
      log(`UPGRADE ${req.url} stalled (never answered)`);
    } else {
      // A proxy that does not know Upgrade: it drops the header and forwards a plain GET, buffered like the rest.
      log(`UPGRADE ${req.url} forwarded as a plain request`);
      const upstream = forward(
        req,
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const status = response.statusCode ?? 502;
            log(`GET ${req.url} (was Upgrade) -> ${status}`);
            writeRaw(
              socket,
              status,
              response.statusMessage ?? '',
              endToEnd(response.headers),
              Buffer.concat(chunks),
            );
          });
        },
        false,
      );
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
    }
  };

  const server = createServer(onRequest);
  server.on('upgrade', onUpgrade);
  const listening = await listen(server);
  return {
    ...listening,
    mode,
    events,
    via(url) {
      const proxied = new URL(url);
      proxied.port = String(listening.port);
      return proxied.toString().replace(/\/$/, '');
    },
    async close() {
      await listening.close();
      agent.destroy();
    },
  };
}
