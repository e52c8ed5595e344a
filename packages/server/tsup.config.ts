import { defineConfig } from 'tsup';

export default defineConfig([
  {
    /*
     * Two entries: the main one, and `@sockwire/server/redis` (the Redis broker and session bus, the only code
     * that uses ioredis, an optional peer). Code they share goes into chunks, in CJS too, so that an error class
     * such as BrokerQuotaError is one class whichever entry threw it and `instanceof` holds across them.
     */
    entry: { index: 'src/index.ts', redis: 'src/redis.ts' },
    format: ['esm', 'cjs'],
    splitting: true,
    // redis-peer.ts resolves ioredis from `import.meta.url`: the shim gives the CJS build one.
    shims: true,
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
  },
  {
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
