// Every code example of every README, run as written (scripts/lib/readme-examples.mjs says how each kind is
// checked), so that none can rot. Node programs run from a scratch folder whose node_modules holds what a user
// would have installed: the workspace packages under their names and the third-party packages they name. The
// browser examples run in e2e/tests/readme-examples.spec.ts. Needs the built packages (npm test builds first).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@sockwire/test-support/ports';
import { killStarted, signalGroup, spawnInGroup } from '@sockwire/test-support/processes';
import { startServe } from '@sockwire/test-support/serve';
import ts from 'typescript';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_PORT, examplesOf, expectations, withPort } from '../lib/readme-examples.mjs';
import { readmeFiles } from '../lib/readme-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'sockwire-readme-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a user installs to run the examples: the workspace packages by name, and the peers they import. */
const INSTALLED = {
  '@sockwire/client': join(root, 'packages', 'client'),
  '@sockwire/server': join(root, 'packages', 'server'),
  '@sockwire/protocol': join(root, 'packages', 'protocol'),
  ws: join(root, 'packages', 'client', 'node_modules', 'ws'),
  eventsource: join(root, 'packages', 'client', 'node_modules', 'eventsource'),
  '@stomp/stompjs': join(root, 'packages', 'client', 'node_modules', '@stomp', 'stompjs'),
  'sockjs-client': join(root, 'packages', 'server', 'node_modules', 'sockjs-client'),
  express: join(root, 'packages', 'server', 'node_modules', 'express'),
  fastify: join(root, 'packages', 'server', 'node_modules', 'fastify'),
};
for (const [name, target] of Object.entries(INSTALLED)) {
  const link = join(scratch, 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link, 'dir');
}

afterEach(() => killStarted());

/**
 * Run `command` in a process group of its own; resolve with its output once `done(output)` holds, or once it
 * exits (then `exit` is its code). It is stopped in both cases; the deadline fails the example.
 */
function run(command, args, { cwd = root, env = process.env, done = () => false, timeoutMs = 60_000 } = {}) {
  const child = spawnInGroup(command, args, { cwd, env });
  let output = '';
  return new Promise((resolve, reject) => {
    const finish = (result) => {
      clearTimeout(timer);
      signalGroup(child, 'SIGTERM');
      resolve(result);
    };
    const timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')}: nothing conclusive within ${timeoutMs} ms:\n${output}`),
      );
    }, timeoutMs);
    const take = (chunk) => {
      output += chunk.toString();
      if (done(output)) finish({ output, exit: null });
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code) => finish({ output, exit: code }));
  });
}

/** The example as a file in the scratch folder: ESM, TypeScript's types stripped. */
function writeProgram(example, port) {
  let code = withPort(example.code, port);
  if (example.lang === 'ts' || example.lang === 'typescript') {
    code = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  }
  const file = join(scratch, `example-${example.line}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  return file;
}

/** A package as the scratch folder's user has it installed. */
function load(name) {
  const installed = createRequire(join(scratch, 'runner.cjs'));
  return import(pathToFileURL(installed.resolve(name)).href);
}

/** Echo one message through the SockJS service at `url` with the Node flavour of the client. */
async function echoThrough(url) {
  const { SockwireSocket } = await load('@sockwire/client');
  const { default: WebSocket } = await load('ws');
  return new Promise((resolve, reject) => {
    const socket = new SockwireSocket(url, { WebSocket });
    const timer = setTimeout(() => reject(new Error(`no echo from ${url}`)), 10_000);
    socket.onopen = () => socket.send('readme echo');
    socket.onmessage = (event) => {
      clearTimeout(timer);
      socket.close();
      resolve(event.data);
    };
    socket.onclose = (event) => reject(new Error(`${url} closed: ${event.code} ${event.reason}`));
  });
}

/**
 * Through the STOMP service at `url` (stompjs over the client, as the client README shows): subscribe to
 * `topic`, SEND `{"text":"readme"}` to `destination`, and resolve with the body of the MESSAGE that arrives.
 */
async function stompThrough(url, destination, topic) {
  const { SockwireSocket } = await load('@sockwire/client');
  const { default: WebSocket } = await load('ws');
  const { Client } = await load('@stomp/stompjs');
  return new Promise((resolve, reject) => {
    const client = new Client({
      webSocketFactory: () => new SockwireSocket(url, { WebSocket }),
      connectHeaders: { login: 'readme' },
      reconnectDelay: 0,
    });
    const end = (settle, value) => {
      clearTimeout(timer);
      client.deactivate();
      settle(value);
    };
    const timer = setTimeout(() => end(reject, new Error(`no MESSAGE on ${topic} through ${url}`)), 10_000);
    client.onConnect = () => {
      client.subscribe(topic, (message) => end(resolve, message.body));
      client.publish({ destination, body: JSON.stringify({ text: 'readme' }) });
    };
    client.onStompError = (frame) => end(reject, new Error(`ERROR ${frame.headers.message}: ${frame.body}`));
    client.onWebSocketClose = (event) =>
      end(reject, new Error(`${url} closed: ${event.code} ${event.reason}`));
    client.activate();
  });
}

/** What a server example must do once it runs: echo, or carry a STOMP message from a SEND to a topic. */
async function checkServer(annotation, port) {
  const base = `http://127.0.0.1:${port}`;
  if (annotation.echo !== undefined) {
    expect(await echoThrough(`${base}${annotation.echo}`)).toBe('readme echo');
  } else if (annotation.stomp !== undefined) {
    expect(await stompThrough(`${base}${annotation.stomp}`, annotation.send, annotation.expect)).toContain(
      'readme',
    );
  } else {
    throw new Error('a server example says echo="<path>" or stomp="<path>" send="..." expect="<topic>"');
  }
}

async function runNode(example) {
  // `sockwire serve` on a port of its own, which the example is then rewritten to.
  const port = example.annotation.server === 'serve' ? (await startServe()).port : await freePort();
  const file = writeProgram(example, port);
  const expected = expectations(example.annotation);
  const result = await run(process.execPath, [file], {
    cwd: scratch,
    done: (output) => expected.length > 0 && expected.every((text) => output.includes(text)),
    timeoutMs: 30_000,
  });
  if (expected.length === 0) expect(result.exit, result.output).toBe(0);
  for (const text of expected) expect(result.output).toContain(text);
}

async function runServer(example) {
  const port = await freePort();
  const file = writeProgram(example, port);
  const child = spawnInGroup(process.execPath, [file], { cwd: scratch });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await checkServer(example.annotation, port);
      return;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${error.message}\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function runShell(example) {
  const port = await freePort();
  const ready = example.annotation.ready === undefined ? null : new RegExp(example.annotation.ready);
  for (const line of withPort(example.code, port).split('\n')) {
    const command = line.replace(/\s+#.*$/, '').trim();
    if (command === '' || command.startsWith('#')) continue;
    const result = await run('bash', ['-c', command], {
      env: { ...process.env, PORT: String(port) },
      done: (output) => ready?.test(output) === true,
      timeoutMs: 180_000,
    });
    if (ready === null) expect(result.exit, result.output).toBe(0);
    else expect(result.output).toMatch(ready);
  }
}

const readmes = readmeFiles(root);
const all = readmes.map((file) => examplesOf(file, readFileSync(join(root, file), 'utf8')));

describe('README examples', () => {
  it('every runnable block says how it is checked', () => {
    expect(all.flatMap((found) => found.problems)).toEqual([]);
    expect(readmes.length).toBeGreaterThan(5);
  });

  it(`uses port ${EXAMPLE_PORT} for what it serves, so that the runner can move it`, () => {
    expect(EXAMPLE_PORT).toBe(8080);
  });

  for (const example of all.flatMap((found) => found.examples)) {
    const { kind } = example.annotation;
    if (kind === 'browser') continue; // e2e/tests/readme-examples.spec.ts
    if (kind === 'none') continue; // not run; its reason is checked above
    it(example.name, { timeout: 240_000 }, async () => {
      if (kind === 'node') await runNode(example);
      else if (kind === 'server') await runServer(example);
      else await runShell(example);
    });
  }
});
