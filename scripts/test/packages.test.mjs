// The public packages as a user gets them: each one packed by pnpm (so `workspace:*` becomes a version and
// publishConfig applies), the tarballs installed with npm into a scratch project outside the repository, and
// then used the ways a user would: every entry by ESM `import` and CJS `require`, the `sockwire` bin, the server
// without and with its optional peer ioredis, and a client app bundled by Vite. Needs the build
// (`node scripts/build.mjs`; the test command builds first). npm's cache is kept under node_modules/.cache, so
// that only the first run downloads the few third-party packages (ws, @stomp/stompjs, ioredis).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@sockwire/test-support/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  manifest,
  PUBLIC_PACKAGES,
  pack,
  scriptFileSubpaths,
  withoutSourceCondition,
} from '../lib/packed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const npmCache = join(root, 'node_modules', '.cache', 'sockwire-packages-npm');
// Outside the repository, so that nothing resolves from the workspace's own node_modules.
const scratch = mkdtempSync(join(tmpdir(), 'sockwire-packages-'));
const project = join(scratch, 'project');
const installed = (name) => join(project, 'node_modules', '@sockwire', name);
/**
 * The environment a user's process has: without NODE_PATH, which pnpm's vitest shim sets to the workspace's store
 * (where ioredis is), and without vitest's variables.
 */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => key !== 'NODE_PATH' && !key.startsWith('VITEST')),
);
/** Tarball path and packed file list, per package folder name. */
const packed = {};

function npm(args, timeout = 120_000) {
  execFileSync(
    'npm',
    [...args, '--cache', npmCache, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'],
    { cwd: project, env: userEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout },
  );
}

/** Runs `node <file>` in the project, the file written from `source`; returns status and output. */
function nodeRun(fileName, source, args = []) {
  const file = join(project, fileName);
  writeFileSync(file, source);
  const result = spawnSync(process.execPath, [file, ...args], {
    cwd: project,
    env: userEnv,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  const tarballs = join(scratch, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  mkdirSync(project, { recursive: true });
  for (const name of PUBLIC_PACKAGES) {
    if (!existsSync(join(root, 'packages', name, 'dist'))) {
      throw new Error(`packages/${name}/dist is missing: run \`node scripts/build.mjs\` first`);
    }
    const tarball = pack(root, name, tarballs);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    packed[name] = { tarball, files: listing.split('\n').filter((line) => line !== '') };
  }
  // Every @sockwire package from its tarball, also where another package depends on it by version (overrides),
  // so that npm never looks for ours on the registry.
  const local = Object.fromEntries(
    PUBLIC_PACKAGES.map((name) => [`@sockwire/${name}`, `file:${packed[name].tarball}`]),
  );
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'sockwire-user',
      private: true,
      type: 'module',
      dependencies: {
        ...local,
        '@stomp/stompjs': manifest(root, 'client').peerDependencies['@stomp/stompjs'],
      },
      overrides: local,
    }),
  );
  npm(['install']);
}, 240_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed tarballs', () => {
  it.each(PUBLIC_PACKAGES)('@sockwire/%s holds dist, bin, README, LICENSE and package.json only', (name) => {
    const files = packed[name].files.map((file) => file.replace(/^package\//, ''));
    const stray = files.filter((file) => !/^(dist\/|bin\/|README\.md$|LICENSE$|package\.json$)/.test(file));
    expect(stray).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist/index.js']));
  });

  it.each(PUBLIC_PACKAGES)(
    "@sockwire/%s: exports are the workspace's without `source`, and no workspace: version is left",
    (name) => {
      const workspace = manifest(root, name);
      const shipped = JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8'));
      expect(shipped.exports).toEqual(withoutSourceCondition(workspace.exports));
      expect(JSON.stringify(shipped)).not.toMatch(/workspace:/);
    },
  );
});

/** The subpaths of a package that are modules (not <script> files or package.json), as import specifiers. */
function moduleSpecifiers(name) {
  const { exports } = manifest(root, name);
  const scripts = new Set(scriptFileSubpaths(exports));
  return Object.keys(exports)
    .filter((subpath) => subpath !== './package.json' && !scripts.has(subpath))
    .map((subpath) => `@sockwire/${name}${subpath.slice(1)}`);
}

/** For each specifier: the export names under ESM `import` and CJS `require`, or the error's message. */
function loadEach(specifiers) {
  const load = (how) => `
    const out = {};
    for (const spec of ${JSON.stringify(specifiers)}) {
      try { out[spec] = { names: Object.keys(${how}).filter((key) => key !== 'default' && key !== '__esModule').sort() }; }
      catch (error) { out[spec] = { error: String(error.message) }; }
    }
    console.log(JSON.stringify(out));`;
  const esm = nodeRun('load.mjs', load('await import(spec)'));
  const cjs = nodeRun('load.cjs', load('require(spec)'));
  expect(esm.stderr).toBe('');
  expect(cjs.stderr).toBe('');
  return { esm: JSON.parse(esm.stdout), cjs: JSON.parse(cjs.stdout) };
}

describe('every entry, without ioredis installed', () => {
  it('ioredis is not installed in the scratch project', () => {
    expect(existsSync(join(project, 'node_modules', 'ioredis'))).toBe(false);
  });

  it.each(['protocol', 'client'])('@sockwire/%s: every entry loads by import and by require', (name) => {
    const specifiers = moduleSpecifiers(name);
    const { esm, cjs } = loadEach(specifiers);
    for (const spec of specifiers) {
      expect(esm[spec], `import('${spec}')`).toEqual({ names: expect.arrayContaining([expect.any(String)]) });
      expect(cjs[spec], `require('${spec}')`).toEqual(esm[spec]);
    }
  });

  it("@sockwire/server's main entry loads by import and by require", () => {
    const { esm, cjs } = loadEach(['@sockwire/server']);
    expect(esm['@sockwire/server'].names).toEqual(
      expect.arrayContaining(['createServer', 'createStompBroker']),
    );
    expect(esm['@sockwire/server'].names).not.toContain('createRedisBroker');
    expect(cjs['@sockwire/server']).toEqual(esm['@sockwire/server']);
  });

  it('@sockwire/server/redis fails by import and by require, naming `npm install ioredis`', () => {
    const { esm, cjs } = loadEach(['@sockwire/server/redis']);
    expect(esm['@sockwire/server/redis'].error).toMatch(/needs the ioredis package.*npm install ioredis/);
    expect(cjs['@sockwire/server/redis'].error).toMatch(/needs the ioredis package.*npm install ioredis/);
  });

  it("no file the server's main entry loads imports ioredis", () => {
    const dist = join(installed('server'), 'dist');
    const reached = new Set();
    const visit = (file) => {
      if (reached.has(file)) return;
      reached.add(file);
      const code = readFileSync(join(dist, file), 'utf8');
      expect(code, file).not.toMatch(/(from\s*|import\s*\(\s*|require\s*\(\s*)["']ioredis["']/);
      for (const [, relative] of code.matchAll(
        /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']\.\/([^"']+)["']/g,
      )) {
        visit(relative);
      }
    };
    visit('index.js');
    visit('index.cjs');
    // The walk did follow the shared chunks, so a chunk that imported ioredis would have been read.
    expect([...reached].some((file) => file.startsWith('chunk-'))).toBe(true);
  });

  it('the sockwire bin prints its help', () => {
    const result = spawnSync(join(project, 'node_modules', '.bin', 'sockwire'), ['--help'], {
      cwd: project,
      env: userEnv,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: sockwire <command>/);
  });

  it('sockwire serve --broker redis:// says to install ioredis, in one line with status 2', () => {
    const result = spawnSync(
      join(project, 'node_modules', '.bin', 'sockwire'),
      ['serve', '--port', '0', '--broker', 'redis://127.0.0.1:6379'],
      { cwd: project, env: userEnv, encoding: 'utf8', timeout: 30_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^sockwire serve: --broker redis:\/\/ needs the ioredis package.*npm install ioredis/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('a client app bundled by Vite', () => {
  it('resolves @sockwire/client and its /stomp entry from the installed package', () => {
    const app = join(project, 'app');
    mkdirSync(app, { recursive: true });
    writeFileSync(
      join(app, 'index.html'),
      '<!doctype html><script type="module" src="./main.js"></script>\n',
    );
    writeFileSync(
      join(app, 'main.js'),
      [
        "import { SockwireSocket } from '@sockwire/client';",
        "import { createStompClient } from '@sockwire/client/stomp';",
        "const socket = new SockwireSocket('/echo');",
        'socket.onmessage = (event) => document.body.append(String(event.data));',
        "createStompClient('/stomp').activate();",
        '',
      ].join('\n'),
    );
    // The demo's Vite (a devDependency of demo/), run on the scratch project: resolution starts from app/.
    const vite = join(root, 'demo', 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(
      process.execPath,
      [vite, 'build', app, '--outDir', join(app, 'dist'), '--logLevel', 'error'],
      {
        cwd: app,
        env: userEnv,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const assets = join(app, 'dist', 'assets');
    const bundles = readdirSync(assets).filter((file) => file.endsWith('.js'));
    expect(bundles).toHaveLength(1);
    const code = readFileSync(join(assets, bundles[0]), 'utf8');
    // The client's transports (URL paths survive minification) and @stomp/stompjs made it into the bundle.
    expect(code).toContain('xhr_streaming');
    expect(code).toContain('CONNECT');
  });
});

describe('with ioredis installed', () => {
  let redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    npm(['install', `ioredis@${manifest(root, 'server').peerDependencies.ioredis}`]);
  }, 180_000);
  afterAll(() => redis?.stop());

  it('@sockwire/server/redis loads by import and by require, and its broker carries a message', () => {
    const { esm, cjs } = loadEach(['@sockwire/server/redis']);
    expect(esm['@sockwire/server/redis'].names).toEqual(
      expect.arrayContaining(['createRedisBroker', 'createRedisSessionBus', 'RedisBrokerError']),
    );
    expect(cjs['@sockwire/server/redis']).toEqual(esm['@sockwire/server/redis']);
    const run = nodeRun(
      'redis-roundtrip.mjs',
      `
      import { createRedisBroker } from '@sockwire/server/redis';
      const broker = await createRedisBroker({ url: process.argv[2] });
      let deliver;
      const received = new Promise((resolve) => { deliver = resolve; });
      // subscribe resolves once deliveries can arrive: the publish after it is not missed.
      await broker.subscribe('/topic/packages', { deliver: ({ message }) => deliver(message.body) }, { manualAck: false });
      await broker.publish('/topic/packages', [], 'through redis');
      console.log(await received);
      await broker.close();
      `,
      [redis.url],
    );
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('through redis');
  });

  it("the Redis entry's errors are the main entry's classes, under import and under require", () => {
    // The entries share their chunks in both formats: a second copy of BrokerFailure would break instanceof.
    const source = (load) => `
      const main = ${load('@sockwire/server')};
      const redis = ${load('@sockwire/server/redis')};
      console.log(redis.RedisBrokerError.prototype instanceof main.BrokerFailure);`;
    const esm = nodeRun(
      'classes.mjs',
      source((spec) => `await import('${spec}')`),
    );
    const cjs = nodeRun(
      'classes.cjs',
      source((spec) => `require('${spec}')`),
    );
    expect([esm.stdout.trim(), esm.stderr]).toEqual(['true', '']);
    expect([cjs.stdout.trim(), cjs.stderr]).toEqual(['true', '']);
  });
});
