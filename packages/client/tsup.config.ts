import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { defineConfig, type Options } from 'tsup';

/** The esbuild tsup itself runs on (resolved from tsup's own dependencies: no second copy to keep in step). */
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild') as {
  transform(code: string, options: { minify: boolean; target: string }): Promise<{ code: string }>;
};

const SCRIPT_FILES = ['sockwire', 'sockwire-reconnect', 'sockwire-stomp'];

/*
 * The client ships with zero runtime dependencies: @sockwire/protocol is bundled in (noExternal), into the
 * ESM/CJS entries and the script-tag files alike.
 */
const shared: Options = {
  noExternal: ['@sockwire/protocol'],
  // Bundle the protocol from its sources (its `source` export condition), so its own build need not run first.
  esbuildOptions(options) {
    options.conditions = ['source', 'import', 'default'];
  },
  target: 'es2022',
  treeshake: true,
};

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      core: 'src/core.ts',
      reconnect: 'src/reconnect.ts',
      stomp: 'src/stomp.ts',
      // One module per transport, also importable on its own (`@sockwire/client/transports/xhr-polling`).
      'transports/websocket': 'src/transports/websocket.ts',
      'transports/xhr-streaming': 'src/transports/xhr-streaming.ts',
      'transports/eventsource': 'src/transports/eventsource.ts',
      'transports/xhr-polling': 'src/transports/xhr-polling.ts',
    },
    format: ['esm', 'cjs'],
    // Code shared between entries goes into chunks, so importing two entries loads it once.
    splitting: true,
    dts: { resolve: ['@sockwire/protocol'] },
    sourcemap: true,
    // Not `clean`: the two builds run in parallel and one would delete the other's files (`build` cleans).
  },
  {
    ...shared,
    // <script src="sockwire.min.js"> defines window.Sockwire with the main entry's exports.
    entry: {
      sockwire: 'src/index.ts',
      'sockwire-reconnect': 'src/bundle-reconnect.ts',
      'sockwire-stomp': 'src/bundle-stomp.ts',
    },
    format: ['iife'],
    globalName: 'Sockwire',
    noExternal: ['@sockwire/protocol', '@stomp/stompjs'],
    minify: true,
    outExtension: () => ({ js: '.min.js' }),
    /*
     * `treeshake` has rollup tree-shake the files after esbuild minified them, and rollup prints what it
     * rewrites unminified (`return {`, `case "o"`, `;}`) around names chosen before tree-shaking. One more
     * esbuild pass over each finished file takes that out (about 80 B min+gzip off the core file).
     */
    async onSuccess() {
      for (const name of SCRIPT_FILES) {
        const file = new URL(`dist/${name}.min.js`, import.meta.url);
        const { code } = await esbuild.transform(await readFile(file, 'utf8'), {
          minify: true,
          target: 'es2022',
        });
        await writeFile(file, code);
      }
    },
  },
]);
