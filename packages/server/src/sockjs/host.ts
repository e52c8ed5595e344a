import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AllowedHosts } from '../options.js';

/*
 * The `Host` check against DNS rebinding (see AllowedHosts). A page on attacker.example whose name is then
 * pointed at 127.0.0.1 is same-origin with a loopback server, so neither CORS nor the origin check stops it
 * from reading every response (and `sockwire serve` has no authentication by default). The name it used is
 * still in `Host`: a loopback server answers only to loopback names.
 */

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** The names a browser can only have reached this machine's loopback through: no DNS answer involved. */
function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || IPV4_LOOPBACK.test(hostname);
}

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || IPV4_LOOPBACK.test(address) || address.startsWith('::ffff:127.');
}

/** `Host` without its port, lowercased: `[::1]:8080` → `[::1]`, `Example.com:80` → `example.com`. */
function hostnameOf(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    return end < 0 ? lower : lower.slice(0, end + 1);
  }
  const colon = lower.indexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}

function matchesHost(pattern: string, hostname: string): boolean {
  if (pattern === hostname) return true;
  // `*.example.com` admits `a.example.com` and `a.b.example.com`, not `example.com` (as allowedOrigins does).
  return (
    pattern.startsWith('*.') && hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1
  );
}

interface Listener {
  address(): AddressInfo | string | null;
}

/**
 * Whether the server that accepted this request listens on loopback only. Node sets `socket.server` on the
 * sockets a server accepts (plain and TLS); its address is looked up once per server and port, since
 * `address()` is a system call and this runs for every request.
 */
const loopbackOnly = new WeakMap<object, { port: number; loopback: boolean }>();

function listensOnLoopbackOnly(request: IncomingMessage): boolean {
  const socket = request.socket as IncomingMessage['socket'] & { server?: Listener };
  const server = socket.server;
  if (server === undefined || typeof server.address !== 'function') {
    // Not accepted by a Node server (a test double, a framework's own socket): judge by where it arrived.
    return isLoopbackAddress(socket.localAddress ?? '');
  }
  const port = socket.localPort ?? 0;
  const known = loopbackOnly.get(server);
  if (known !== undefined && known.port === port) return known.loopback;
  const address = server.address();
  // A pipe or Unix socket is reached through a local proxy, which speaks for the name it was reached by.
  const loopback = typeof address === 'object' && address !== null && isLoopbackAddress(address.address);
  loopbackOnly.set(server, { port, loopback });
  return loopback;
}

/** Whether this request's `Host` may be served. Requests without one (HTTP/1.0 tools) come from no browser. */
export function isHostAllowed(policy: AllowedHosts, request: IncomingMessage): boolean {
  if (policy === '*') return true;
  const host = request.headers.host;
  if (host === undefined || host === '') return true;
  const hostname = hostnameOf(host);
  if (isLoopbackName(hostname)) return true;
  if (policy === 'auto') return !listensOnLoopbackOnly(request);
  for (const allowed of policy) {
    if (matchesHost(allowed, hostname)) return true;
  }
  return false;
}

/** The body of a refusal: which name was refused, why, and how to allow it. */
export function hostRefusal(policy: AllowedHosts, request: IncomingMessage): string {
  const host = request.headers.host ?? '';
  const name = hostnameOf(host);
  const answers =
    policy === 'auto'
      ? 'This server listens on loopback only, so it answers only to localhost, 127.0.0.1 and [::1]'
      : 'This server answers only to localhost, 127.0.0.1, [::1] and the names in its allowedHosts option';
  return (
    `Sockwire: host ${JSON.stringify(host)} is not allowed. ${answers}: a page that points its own name at ` +
    `this machine (DNS rebinding) must not reach it. To serve this name, add it to the server's allowedHosts ` +
    `option, e.g. createServer({ allowedHosts: [${JSON.stringify(name)}] }), or pass --allowed-hosts ${name} ` +
    `to sockwire serve.\n`
  );
}

/** A request listener of the application's own (e.g. static files) behind the same check. */
export function hostChecked(
  policy: AllowedHosts,
  listener: (request: IncomingMessage, response: ServerResponse) => void,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (isHostAllowed(policy, request)) {
      listener(request, response);
      return;
    }
    response.writeHead(403, { 'Content-Type': 'text/plain; charset=UTF-8' });
    response.end(hostRefusal(policy, request));
  };
}
