/*
 * `node dist/server/main.js [--port 8080] [--host 127.0.0.1] [--static dir] [--allowed-origins a,b]
 * [--broker redis://host:port --node-id <id>]`: the
 * chat server. The port also comes from PORT; the page from dist/page beside this file once built.
 * `--api-only` serves only the STOMP endpoint, for `npm run dev` (Vite serves the page and proxies /stomp).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChatServer } from './chat-server.js';

const USAGE = `Usage: sockwire-demo [--port <n>] [--host <address>] [--static <dir>] [--allowed-origins <list>]

  --port             port to listen on (default: $PORT, else 8080; 0 picks a free one)
  --host             address to listen on (default 127.0.0.1; 0.0.0.0 for the whole network)
  --static           folder of the built page (default: dist/page)
  --allowed-origins  comma-separated page origins allowed besides the server's own, or *
  --api-only         serve only the STOMP endpoint (/stomp), not the page
  --broker           redis://host:port: run as one node of a cluster (messages, sessions and the chat's
                     state in Redis; nodes behind any round-robin balancer, no sticky sessions)
  --node-id          this node's id in the cluster (default: host-pid)
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) fail(`Not a port number: ${text}`);
  return port;
}

let values: {
  port?: string;
  host?: string;
  static?: string;
  'allowed-origins'?: string;
  'api-only'?: boolean;
  broker?: string;
  'node-id'?: string;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      static: { type: 'string' },
      'allowed-origins': { type: 'string' },
      'api-only': { type: 'boolean' },
      broker: { type: 'string' },
      'node-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const apiOnly = values['api-only'] === true;
const staticDir = values.static ?? fileURLToPath(new URL('../page/', import.meta.url));
if (!apiOnly && !existsSync(staticDir)) fail(`No page at ${staticDir}: build it first (npm start does).`);
const origins = values['allowed-origins'];
const broker = values.broker;
if (broker !== undefined && !/^rediss?:\/\//.test(broker))
  fail(`--broker needs redis://host:port, got ${broker}`);
const nodeId = values['node-id'] ?? `${hostname()}-${process.pid}`;
if (nodeId.includes('|')) fail('--node-id may not contain "|"');

const server = await startChatServer({
  port: parsePort(values.port ?? process.env.PORT ?? '8080'),
  ...(values.host === undefined ? {} : { host: values.host }),
  ...(apiOnly ? {} : { staticDir }),
  ...(origins === undefined
    ? {}
    : { allowedOrigins: origins === '*' ? '*' : origins.split(',').map((origin) => origin.trim()) }),
  ...(broker === undefined ? {} : { cluster: { redisUrl: broker, nodeId } }),
  log: (message) => process.stderr.write(`${message}\n`),
}).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') fail('That port is in use: pick another with --port <n> or PORT=<n>.');
  throw error;
});

process.stdout.write(
  apiOnly
    ? `Sockwire chat STOMP endpoint at ${server.url}stomp\n`
    : `Sockwire chat is running at ${server.url}${broker === undefined ? '' : ` (node ${nodeId}, Redis ${broker})`}\n(Ctrl+C to stop)\n`,
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
