/*
 * Where our STOMP broker comes from. The built @sockwire/server when it exports `createStompBroker`; until it
 * does, the broker's sources bundled here by esbuild (what tsup does too), and the report says so.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** @returns {Promise<{ url: string, fromSource: boolean }>} */
export async function stompModule() {
  const server = await import('@sockwire/server');
  if ('createStompBroker' in server) return { url: '@sockwire/server', fromSource: false };
  const require = createRequire(join(benchDir, 'package.json'));
  const serverDir = dirname(require.resolve('@sockwire/server/package.json'));
  const outfile = join(benchDir, '.cache', 'sockwire-stomp.mjs');
  await build({
    entryPoints: [join(serverDir, 'src', 'stomp', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return { url: pathToFileURL(outfile).href, fromSource: true };
}
