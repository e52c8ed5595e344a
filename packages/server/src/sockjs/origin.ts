import type { IncomingMessage } from 'node:http';
import type { AllowedOrigins } from '../options.js';

/**
 * Decide whether a request's `Origin` may use this server. Without this check any web page could open a
 * session with the visitor's cookies (cross-site WebSocket hijacking), so the default admits only the
 * server's own origin.
 */
export function isOriginAllowed(policy: AllowedOrigins, request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (policy === '*') return true;
  if (typeof policy === 'function') return policy(origin, request);
  if (policy.length === 0 || origin !== 'null') {
    if (isSameOrigin(origin, request)) return true;
  }
  for (const allowed of policy) {
    if (matchesOrigin(allowed, origin)) return true;
  }
  return false;
}

function isSameOrigin(origin: string, request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (!host || origin === 'null') return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

function matchesOrigin(pattern: string, origin: string): boolean {
  if (pattern === origin) return true;
  const star = pattern.indexOf('://*.');
  if (star < 0) return false;
  // `https://*.example.com` admits `https://a.example.com` and `https://a.b.example.com`, not `https://example.com`.
  const scheme = pattern.slice(0, star + 3);
  const suffix = pattern.slice(star + 4);
  return (
    origin.startsWith(scheme) && origin.endsWith(suffix) && origin.length > scheme.length + suffix.length
  );
}

/** The body of a refusal: what was refused and how to allow it. */
export function originRefusal(request: IncomingMessage): string {
  const origin = request.headers.origin ?? '';
  return (
    `Sockwire: origin ${JSON.stringify(origin)} is not allowed to connect. ` +
    `Add it to the server's allowedOrigins option, e.g. createServer({ allowedOrigins: [${JSON.stringify(origin)}] }), ` +
    `or pass --allowed-origins ${origin} to the sockwire CLI.\n`
  );
}
