import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  killStarted,
  repoRoot,
  runProcess,
  type Started,
  startProcess,
} from '@sockwire/test-support/processes';
import { cli, runCli } from '@sockwire/test-support/serve';
import { Client, type IMessage, type IStompSocket } from '@stomp/stompjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_OPTIONS, CONFORMANCE_USAGE } from '../../src/cli/conformance.js';
import { SERVE_OPTIONS, SERVE_USAGE } from '../../src/cli/serve.js';
import type { StompFrame } from '../../src/stomp/index.js';
import { CLOSED } from '../stomp/support/raw-client.js';
import { webSocketTarget } from '../stomp/support/targets.js';
import { header, wire } from '../stomp/support/test-client.js';

/*
 * What a new user meets first in `sockwire serve` (issue 15): the client's <script> files served beside the
 * broker, the `/echo` service and the sample `/app` handler the client README's examples talk to, and the
 * help of every command. The built CLI in a child process, spoken to over real HTTP, SockJS and STOMP.
 */

const READY = /SockJS {5}(http:\/\/\S+)\n {2}WebSocket {2}(ws:\/\/\S+)\n/;
const SCRIPTS = ['sockwire.min.js', 'sockwire-reconnect.min.js', 'sockwire-stomp.min.js'];
const clientDist = join(repoRoot, 'packages', 'client', 'dist');

const require = createRequire(import.meta.url);
interface SockJSInstance extends IStompSocket {
  onmessage: ((event: { data: string }) => void) | null;
  send(data: string): void;
}
type SockJSConstructor = new (
  url: string,
  reserved: null,
  options: { transports: string[] },
) => SockJSInstance;
const SockJS = require('sockjs-client') as SockJSConstructor;

afterEach(() => killStarted());

function serve(args: string[], command = cli): Promise<Started> {
  return startProcess(
    process.execPath,
    [command, 'serve', '--port', '0', '--host', '127.0.0.1', ...args],
    READY,
  );
}

/** `http://127.0.0.1:<port>` of a started `sockwire serve`. */
function origin(proc: Started): string {
  return new URL(proc.match[1] as string).origin;
}

/** A SockJS echo round trip with sockjs-client over one transport: what came back. */
function echoOnce(url: string, transport: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new SockJS(url, null, { transports: [transport] });
    socket.onopen = () => socket.send(text);
    socket.onmessage = (event) => {
      resolve(event.data);
      socket.close();
    };
    socket.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
  });
}

/** CONNECT over the raw WebSocket; the client and the first frame back. */
async function rawStomp(websocketUrl: string) {
  const target = webSocketTarget('first-hour', websocketUrl);
  const client = await target.open();
  client.send(wire('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0' }));
  return { client, target, connected: await client.next(5000) };
}

/** The flags a usage text documents, each with its entry (its line and the indented lines under it). */
function documented(usage: string): Map<string, string> {
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const line of usage.split('\n')) {
    const flag = /^ {2}(?:-[a-z], )?(--[a-z][a-z-]*)/.exec(line)?.[1];
    if (flag !== undefined) {
      current = flag;
      entries.set(flag, line);
    } else if (current !== undefined && /^ {5,}\S/.test(line)) {
      entries.set(current, `${entries.get(current)}\n${line}`);
    } else {
      current = undefined;
    }
  }
  return entries;
}

describe("sockwire serve: @sockwire/client's <script> files", () => {
  it('serves the three files at the top level, byte for byte the client build, as JavaScript with a validator', async () => {
    const proc = await serve([]);
    for (const name of SCRIPTS) {
      const response = await fetch(`${origin(proc)}/${name}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=UTF-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(readFileSync(join(clientDist, name))), name).toBe(true);
      const etag = response.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${origin(proc)}/${name}?v=2`, { headers: { 'If-None-Match': etag } });
      expect([again.status, await again.text()]).toEqual([304, '']);
    }
    expect(proc.output()).toContain(`  scripts    ${origin(proc)}/sockwire.min.js\n`);
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
  });

  it('answers HEAD with the headers alone and other methods with 405', async () => {
    const proc = await serve([]);
    const url = `${origin(proc)}/sockwire-stomp.min.js`;
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(
      String(readFileSync(join(clientDist, SCRIPTS[2] as string)).length),
    );
    expect(await head.text()).toBe('');
    const post = await fetch(url, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    await post.text();
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
  });

  it('comes before a --static file of the same name; the other static files are served as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockwire-static-'));
    try {
      writeFileSync(join(dir, 'sockwire.min.js'), 'not the client');
      writeFileSync(join(dir, 'app.js'), 'the page');
      const proc = await serve(['--static', dir]);
      const script = await fetch(`${origin(proc)}/sockwire.min.js`);
      expect(
        Buffer.from(await script.arrayBuffer()).equals(readFileSync(join(clientDist, 'sockwire.min.js'))),
      ).toBe(true);
      expect(await (await fetch(`${origin(proc)}/app.js`)).text()).toBe('the page');
      expect(await proc.stop()).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 404 saying how to build them when the server was built without them', async () => {
    // The built CLI alone (with the chunks it imports), as a server package whose build did not copy the
    // client's files: beside its own node_modules (linked), without dist/browser.
    const dir = mkdtempSync(join(tmpdir(), 'sockwire-no-browser-'));
    try {
      for (const entry of readdirSync(dirname(cli), { withFileTypes: true })) {
        if (entry.isFile()) copyFileSync(join(dirname(cli), entry.name), join(dir, entry.name));
      }
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      symlinkSync(join(repoRoot, 'packages', 'server', 'node_modules'), join(dir, 'node_modules'), 'dir');
      const proc = await serve([], join(dir, 'cli.js'));
      expect(proc.output()).toContain('(not built yet: run `npm run build` from the repository root)');
      for (const name of SCRIPTS) {
        const response = await fetch(`${origin(proc)}/${name}`);
        const text = await response.text();
        expect([response.status, response.headers.get('content-type')]).toEqual([
          404,
          'text/plain; charset=UTF-8',
        ]);
        expect(text).toContain(`/${name} is not built yet`);
        expect(text).toContain('`npm run build`');
      }
      expect(await proc.stop()).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sockwire serve: /echo', () => {
  it.each(['websocket', 'xhr-streaming', 'xhr-polling'])(
    'echoes every message to its sender with sockjs-client over %s',
    async (transport) => {
      const proc = await serve([]);
      expect(proc.output()).toContain(`  echo       ${origin(proc)}/echo\n`);
      expect(await echoOnce(`${origin(proc)}/echo`, transport, 'hello, ünïcode "quoted"')).toBe(
        'hello, ünïcode "quoted"',
      );
      expect(await proc.stop()).toEqual({ code: 0, signal: null });
    },
  );

  it('--no-echo turns it off (404), and the STOMP service stays', async () => {
    const proc = await serve(['--no-echo']);
    expect(proc.output()).not.toContain('  echo ');
    const echo = await fetch(`${origin(proc)}/echo/info`);
    expect(echo.status).toBe(404);
    await echo.text();
    expect((await fetch(`${origin(proc)}/stomp/info`)).status).toBe(200);
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
  });

  it('refuses --prefix /echo while the echo service is on, in one line', async () => {
    const result = await runCli(['serve', '--port', '0', '--prefix', '/echo']);
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toBe(
      'sockwire serve: --prefix /echo is where the echo service is: choose another, or add --no-echo (see sockwire serve --help)\n',
    );
  });
});

describe('sockwire serve: the sample /app handler', () => {
  it("delivers a SEND to /app/rooms/lobby/send to /topic/rooms/lobby (the client README's example, stompjs over SockJS)", async () => {
    const proc = await serve([]);
    expect(proc.output()).toContain('  sample app SEND /app/rooms/<room>/send -> /topic/rooms/<room>\n');
    const received: IMessage[] = [];
    const client = new Client({
      webSocketFactory: () => new SockJS(`${origin(proc)}/stomp`, null, { transports: ['xhr-streaming'] }),
      reconnectDelay: 0,
    });
    const connected = new Promise<void>((resolve, reject) => {
      client.onConnect = () => resolve();
      client.onStompError = (frame) => reject(new Error(frame.headers.message));
    });
    client.activate();
    await connected;
    const subscribed = new Promise<void>((resolve) => client.watchForReceipt('sub', () => resolve()));
    client.subscribe('/topic/rooms/lobby', (message) => received.push(message), { receipt: 'sub' });
    await subscribed;
    client.publish({
      destination: '/app/rooms/lobby/send',
      body: JSON.stringify({ text: 'hello' }),
      headers: { 'content-type': 'application/json' },
    });
    client.publish({ destination: '/app/rooms/other/send', body: 'elsewhere' });
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);
    const [message] = received;
    expect(message?.headers['destination']).toBe('/topic/rooms/lobby');
    expect(message?.headers['content-type']).toBe('application/json');
    expect(message?.headers['user-name']).toBeUndefined();
    expect(JSON.parse(message?.body ?? '')).toEqual({ text: 'hello' });
    await client.deactivate();
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
  });

  it('--no-sample-app turns it off: the SEND gets ERROR No handler', async () => {
    const proc = await serve(['--no-sample-app']);
    expect(proc.output()).not.toContain('sample app');
    const { client, target, connected } = await rawStomp(proc.match[2] as string);
    expect((connected as StompFrame).command).toBe('CONNECTED');
    client.send(wire('SEND', { destination: '/app/rooms/lobby/send' }, 'hello'));
    const error = await client.next(5000);
    expect(
      error === undefined || error === CLOSED ? error : [error.command, header(error, 'message')],
    ).toEqual(['ERROR', 'No handler']);
    await target.close();
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('sockwire help', () => {
  it.each(['--help', 'help', '-h', '(no command)'])(
    '`sockwire %s` lists the commands and points to their --help',
    async (arg) => {
      const result = await runCli(arg.startsWith('(') ? [] : [arg]);
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toMatch(/^Usage: sockwire <command> \[options\]\n/);
      expect(result.stdout).toMatch(/^ {2}serve {9}\S/m);
      expect(result.stdout).toMatch(/^ {2}conformance {3}\S/m);
      expect(result.stdout).toContain('sockwire <command> --help');
    },
  );

  it.each([
    ['serve', SERVE_USAGE, SERVE_OPTIONS],
    ['conformance', CONFORMANCE_USAGE, CONFORMANCE_OPTIONS],
  ] as const)(
    '`sockwire %s --help` prints every flag it accepts, each with its default',
    async (command, usage, options) => {
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        [command, '--port', '0', '--help'],
        ['help', command],
      ]) {
        const result = await runCli(args);
        expect([result.code, result.stderr, result.stdout]).toEqual([0, '', usage]);
      }
      const entries = documented(usage);
      // Every flag parseArgs accepts is in the usage (a new flag without help fails here), and no other.
      expect([...entries.keys()].sort()).toEqual(
        Object.keys(options)
          .map((name) => `--${name}`)
          .sort(),
      );
      for (const [flag, entry] of entries) {
        if (flag === '--help') continue;
        expect(entry, flag).toMatch(/default|required/);
      }
    },
  );

  it('serve --help names what is served beside the broker', () => {
    for (const text of [...SCRIPTS.map((name) => `/${name}`), '/echo', 'SEND /app/rooms/<room>/send']) {
      expect(SERVE_USAGE).toContain(text);
    }
  });

  it.each([
    [
      ['serve', '--port', '0', '--bogus'],
      'sockwire serve: unknown option --bogus (see sockwire serve --help)',
    ],
    [
      ['serve', '--port', '0', '--no-echo=yes'],
      'sockwire serve: --no-echo takes no value (see sockwire serve --help)',
    ],
    [
      ['serve', '--port', 'eighty'],
      'sockwire serve: --port needs a port number from 0 to 65535, got eighty (see sockwire serve --help)',
    ],
    [
      ['conformance', '--port', '0', '--bogus'],
      'sockwire conformance: unknown option --bogus (see sockwire conformance --help)',
    ],
    [['bogus'], 'sockwire: unknown command "bogus" (see sockwire --help)'],
    [['--bogus'], 'sockwire: unknown option "--bogus" (see sockwire --help)'],
    [['help', 'bogus'], 'sockwire help: unknown command "bogus" (see sockwire --help)'],
  ])('%j: exit 2 and one line on stderr', async (args, line) => {
    const result = await runCli(args);
    expect([result.code, result.stdout, result.stderr]).toEqual([2, '', `${line}\n`]);
  });
});

describe('the sockwire bin', () => {
  const bin = join(repoRoot, 'packages', 'server', 'bin', 'sockwire.mjs');

  it('runs the built CLI', async () => {
    const result = await runProcess(process.execPath, [bin, 'serve', '--help']);
    expect([result.code, result.stderr, result.stdout]).toEqual([0, '', SERVE_USAGE]);
  });

  describe('before the build', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'sockwire-unbuilt-'));
      mkdirSync(join(dir, 'bin'));
      copyFileSync(bin, join(dir, 'bin', 'sockwire.mjs'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('says how to build it, exit 1', async () => {
      const result = await runProcess(process.execPath, [join(dir, 'bin', 'sockwire.mjs'), '--help']);
      expect([result.code, result.stdout]).toEqual([1, '']);
      expect(result.stderr).toContain('dist/cli.js is not built yet');
      expect(result.stderr).toContain('`npm run build`');
      expect(result.stderr).toContain('`npm run sockwire -- <command>`');
    });
  });
});
