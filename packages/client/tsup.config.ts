import { defineConfig, type Options } from 'tsup';

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

/** <script src="sockwire.min.js"> defines window.Sockwire with the main entry's exports. */
const scriptTag: Options = {
  ...shared,
  format: ['iife'],
  globalName: 'Sockwire',
  /*
   * Minified twice: esbuild first (tsup's `treeshake` then has rollup tree-shake its output, and rollup
   * prints what it rewrites unminified), terser last over the finished file. Terser's compression and
   * frequency-ordered names take about 140 B of min+gzip more off the core file than esbuild alone does.
   */
  minify: 'terser',
  esbuildOptions(options) {
    shared.esbuildOptions?.(options, { format: 'iife' });
    options.minify = true;
  },
  outExtension: () => ({ js: '.min.js' }),
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
    // Not `clean`: the builds run in parallel and one would delete the other's files (`build` cleans).
  },
  {
    ...scriptTag,
    entry: { sockwire: 'src/index.ts', 'sockwire-reconnect': 'src/bundle-reconnect.ts' },
    /*
     * Beyond the defaults, options that are unsafe only for code these files do not contain (measured on the
     * core file, min+gzip): `unsafe_arrows` (function expressions to arrows: none uses `this`, `arguments` or
     * `new`), `unsafe_methods` (the function-valued properties of our objects are never constructed),
     * `unsafe_comps` (our comparisons are between numbers), `pure_getters` (our getters have no side effects),
     * and `unsafe`, whose rewrites here are `String(x)` and templates to `+` concatenation and `new Error` to
     * `Error`: different only for values whose `valueOf` and `toString` disagree, or symbols, which nothing
     * here formats. Together with a third pass: 38 B.
     */
    terserOptions: {
      ecma: 2020,
      compress: {
        passes: 3,
        pure_getters: true,
        unsafe: true,
        unsafe_arrows: true,
        unsafe_comps: true,
        unsafe_methods: true,
      },
    },
  },
  {
    ...scriptTag,
    // It bundles @stomp/stompjs, code that is not ours: terser's safe options only.
    entry: { 'sockwire-stomp': 'src/bundle-stomp.ts' },
    noExternal: ['@sockwire/protocol', '@stomp/stompjs'],
    terserOptions: { ecma: 2020, compress: { passes: 2 } },
  },
]);
