import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { stompjsInstall } from './packages/client/test/support/stompjs-install.js';

const pkg = (name: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${name}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources of the workspace packages, not their build output.
    alias: {
      '@sockwire/protocol': pkg('protocol'),
      // Each subpath before its package: the first alias that matches wins, and a package's name matches its
      // subpaths too ('@sockwire/client' would turn '@sockwire/client/stomp' into '.../index.ts/stomp').
      '@sockwire/server/redis': pkg('server', 'redis'),
      '@sockwire/server': pkg('server'),
      '@sockwire/client/core': pkg('client', 'core'),
      '@sockwire/client/reconnect': pkg('client', 'reconnect'),
      '@sockwire/client/stomp': pkg('client', 'stomp'),
      '@sockwire/client': pkg('client'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'demo/test/**/*.test.ts', 'scripts/test/**/*.test.mjs'],
    // A focused test would leave the others unrun: refused everywhere, not only where CI is set.
    allowOnly: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The stompjs that '@stomp/stompjs' is here (packages/client/vitest.stompjs-oldest.config.ts runs the
    // client's STOMP tests on another one).
    provide: { stompjs: stompjsInstall('@stomp/stompjs') },
  },
});
