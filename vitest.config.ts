import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources of the workspace packages, not their build output.
    alias: {
      '@sockwire/protocol': pkg('protocol'),
      '@sockwire/server': pkg('server'),
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
  },
});
