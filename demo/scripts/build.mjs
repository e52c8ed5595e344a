// Builds the demo: the page with Vite into dist/page, the server with esbuild into dist/server/main.js.
// `node scripts/build.mjs` builds both; start.mjs and dev.mjs import the two functions.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const demoDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The page, into `outDir` (default dist/page). */
export async function buildPage(outDir = join(demoDir, 'dist', 'page')) {
  const { build } = await import('vite');
  await build({
    configFile: join(demoDir, 'vite.config.ts'),
    build: { outDir },
    logLevel: 'warn',
  });
  return outDir;
}

/**
 * The server as one ES module. Workspace packages are bundled from their TypeScript sources (the `source`
 * export condition), so the demo runs whether or not they were built; npm packages (ws, ioredis) stay imports.
 */
export async function buildServer(outFile = join(demoDir, 'dist', 'server', 'main.js')) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(demoDir, 'server', 'main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: ['ws', 'ioredis'],
    sourcemap: true,
    logLevel: 'warning',
  });
  return outFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  // `--page-out <dir>`: only the page, into <dir> (the browser suite builds its own copy this way, so that
  // concurrent runs never share an output folder).
  const pageOut = process.argv.indexOf('--page-out');
  // `--server-out <file>`: only the server, into <file> (the cluster browser test runs it as child processes).
  const serverOut = process.argv.indexOf('--server-out');
  if (serverOut > 0) {
    const file = process.argv[serverOut + 1];
    if (file === undefined) throw new Error('--server-out needs a file');
    await buildServer(file);
  } else if (pageOut > 0) {
    const dir = process.argv[pageOut + 1];
    if (dir === undefined) throw new Error('--page-out needs a folder');
    await buildPage(dir);
  } else {
    await Promise.all([buildPage(), buildServer()]);
  }
  console.log(`Built the demo in ${Date.now() - started} ms`);
}
