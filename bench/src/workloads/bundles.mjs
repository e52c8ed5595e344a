/*
 * W5 browser bundle sizes: what a page downloads. Each client is bundled the same way (esbuild, browser
 * field, minified IIFE, es2022, production defines), then gzipped at level 9. Our shipped script-tag file is
 * measured as it is too. Deterministic: measured once per run, not per repetition.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(benchDir, 'package.json'));

/**
 * @typedef {{ id: string, label: string, source?: string, file?: string, ours?: boolean }} BundleDef
 */

/** Does our client package export `subpath` yet (it grows while the STOMP client is being written)? */
function clientExports(/** @type {string} */ subpath) {
  const pkg = JSON.parse(readFileSync(require.resolve('@sockwire/client/package.json'), 'utf8'));
  return pkg.exports?.[subpath] !== undefined;
}

/** @returns {BundleDef[]} */
export function bundleDefs() {
  const withStomp = clientExports('./stomp')
    ? "export * from '@sockwire/client'; export * from '@sockwire/client/stomp';"
    : "export { SockwireSocket } from '@sockwire/client'; export { Client } from '@stomp/stompjs';";
  const shippedStomp = join(
    dirname(require.resolve('@sockwire/client/package.json')),
    'dist',
    'sockwire-stomp.min.js',
  );
  return [
    ...(existsSync(shippedStomp)
      ? [
          {
            id: 'sockwire-stomp-min-js',
            label: '**Sockwire `sockwire-stomp.min.js`** (shipped: + reconnect + STOMP client)',
            file: shippedStomp,
            ours: true,
          },
        ]
      : []),
    {
      id: 'sockwire-min-js',
      label: '**Sockwire `sockwire.min.js`** (shipped: socket + 4 transports)',
      file: require.resolve('@sockwire/client/sockwire.min.js'),
      ours: true,
    },
    {
      id: 'sockwire-all',
      label: '**Sockwire** `SockwireSocket`, 4 transports',
      source: "export { SockwireSocket } from '@sockwire/client';",
      ours: true,
    },
    {
      id: 'sockwire-core-ws',
      label: '**Sockwire core** + WebSocket transport only',
      source: "export { SockwireSocket, WebSocketTransport } from '@sockwire/client/core';",
      ours: true,
    },
    {
      id: 'sockwire-stomp',
      label: clientExports('./stomp')
        ? '**Sockwire + STOMP** (`@sockwire/client` + `/stomp`, stompjs inside)'
        : '**Sockwire + STOMP** (`SockwireSocket` + `Client` of @stomp/stompjs)',
      source: withStomp,
      ours: true,
    },
    { id: 'sockjs-client', label: 'sockjs-client 1.6', source: "export { default } from 'sockjs-client';" },
    {
      id: 'socketio-client',
      label: 'socket.io-client 4.8',
      source: "export { io } from 'socket.io-client';",
    },
    {
      id: 'stompjs',
      label: '@stomp/stompjs 7 (`Client`)',
      source: "export { Client } from '@stomp/stompjs';",
    },
    {
      id: 'stompjs-sockjs',
      label: '@stomp/stompjs + sockjs-client',
      source: "export { Client } from '@stomp/stompjs'; export { default as SockJS } from 'sockjs-client';",
    },
  ];
}

/** @param {BundleDef} def @returns {Promise<Buffer>} */
async function minified(def) {
  if (def.file !== undefined) return readFileSync(def.file);
  const result = await build({
    stdin: { contents: def.source ?? '', resolveDir: benchDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Bundle',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(/** @type {import('esbuild').OutputFile} */ (result.outputFiles[0]).contents);
}

export async function bundles() {
  /** @type {Record<string, { min: number, gzip: number } | { error: string }>} */
  const sizes = {};
  for (const def of bundleDefs()) {
    try {
      const code = await minified(def);
      sizes[def.id] = { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
    } catch (error) {
      sizes[def.id] = { error: String(/** @type {Error} */ (error).message).split('\n')[0] ?? 'failed' };
    }
  }
  return sizes;
}
