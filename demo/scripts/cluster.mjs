// `npm run demo:cluster [-- --port 8080] [--redis redis://host:port] [--nodes 3]` from the repository root:
// builds the demo, then starts a private redis-server (unless --redis names one), three chat server nodes in
// cluster mode (child processes, `--broker redis://... --node-id nodeN`) and HAProxy in front of them doing plain
// round robin with no stickiness; prints the balancer's URL and stops everything on Ctrl+C (SIGINT) or SIGTERM.
// Needs redis-server (unless --redis) and haproxy: apt-get install -y redis-server haproxy.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPage, buildServer } from './build.mjs';

const USAGE = `Usage: npm run demo:cluster -- [--port <n>] [--host <address>] [--redis <url>] [--nodes <n>]

  --port    the balancer's port (default 8080)
  --host    the balancer's address (default 127.0.0.1; 0.0.0.0 for the whole network)
  --redis   redis://host:port to use (default: a private redis-server on a free port, stopped at the end)
  --nodes   how many chat server nodes (default 3)
`;

function fail(message) {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      redis: { type: 'string' },
      nodes: { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail(error.message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = Number(values.port);
if (!/^\d+$/.test(values.port) || port > 65535) fail(`Not a port number: ${values.port}`);
const nodeCount = Number(values.nodes);
if (!/^\d+$/.test(values.nodes) || nodeCount < 1 || nodeCount > 16)
  fail(`--nodes takes 1 to 16, got ${values.nodes}`);
for (const [tool, flag, needed] of [
  ['haproxy', '-v', true],
  ['redis-server', '--version', values.redis === undefined],
]) {
  if (!needed) continue;
  try {
    execFileSync(tool, [flag], { stdio: 'ignore' });
  } catch {
    fail(`${tool} is not installed: apt-get install -y ${tool === 'haproxy' ? 'haproxy' : 'redis-server'}`);
  }
}

/** Every child, stopped in reverse order of start. */
const children = [];
let stopping = false;

/** Starts `command`, resolving with its first stdout match of `ready` (a RegExp) or rejecting when it exits first. */
function start(name, command, args, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push({ name, child });
  let output = '';
  const found = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 20 s:\n${output}`)), 20_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk.toString();
      if (name.startsWith('node')) process.stderr.write(`[${name}] ${chunk}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}):\n${output}`));
    });
  });
  // Once running, a child ending on its own is reported (killing a node is a fair demo of node loss).
  found.then(
    () =>
      child.once('exit', (code, signal) => {
        if (!stopping) console.log(`${name} exited (${signal ?? code}); the others carry on.`);
      }),
    () => {},
  );
  return found;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
}

async function waitForPort(host, target, deadline) {
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect(target, host === '0.0.0.0' ? '127.0.0.1' : host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${target}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const configDir = mkdtempSync(join(tmpdir(), 'sockwire-demo-cluster-'));

async function stop(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.reverse().map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  rmSync(configDir, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  console.log('Building the Sockwire chat demo ...');
  const [, server] = await Promise.all([buildPage(), buildServer()]);

  let redisUrl = values.redis;
  if (redisUrl === undefined) {
    const redisPort = await freePort();
    await start(
      'redis-server',
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      /Ready to accept connections/,
    );
    redisUrl = `redis://127.0.0.1:${redisPort}`;
  }

  // Each node on a free port of its own; its first line names it.
  const nodePorts = await Promise.all(
    Array.from({ length: nodeCount }, async (_, i) => {
      const name = `node${i + 1}`;
      const args = [server, '--port', '0', '--broker', redisUrl, '--node-id', name];
      const match = await start(name, process.execPath, args, /running at http:\/\/[^:]+:(\d+)\//);
      return Number(match[1]);
    }),
  );

  const config = join(configDir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout tunnel 1h',
      // Every request balanced on its own: no stickiness of any kind.
      '  option http-server-close',
      '  option redispatch',
      '  retries 3',
      'frontend front',
      `  bind ${values.host}:${port}`,
      '  default_backend nodes',
      'backend nodes',
      '  balance roundrobin',
      ...nodePorts.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check inter 250 fall 1 rise 1`),
      '',
    ].join('\n'),
  );
  const haproxy = spawn('haproxy', ['-f', config, '-db'], { stdio: ['ignore', 'inherit', 'pipe'] });
  children.push({ name: 'haproxy', child: haproxy });
  let haproxyOutput = '';
  haproxy.stderr.on('data', (chunk) => {
    haproxyOutput += chunk.toString();
  });
  haproxy.once('exit', (code) => {
    if (!stopping) {
      console.error(`haproxy exited (${code}):\n${haproxyOutput}`);
      void stop(1);
    }
  });
  await waitForPort(values.host, port, Date.now() + 10_000);

  const shownHost = values.host === '0.0.0.0' ? 'localhost' : values.host;
  console.log(
    [
      `Sockwire chat cluster: ${nodeCount} nodes (${nodePorts.map((p, i) => `node${i + 1} :${p}`).join(', ')}),`,
      `Redis ${redisUrl}, HAProxy round robin without stickiness at http://${shownHost}:${port}/`,
      '(Ctrl+C to stop)',
    ].join('\n'),
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
}
