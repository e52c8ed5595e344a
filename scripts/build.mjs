// Builds every package (ESM + CJS + .d.ts with tsup) in dependency order, then gives the server package its
// copies of the client's <script> files.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './ensure-deps.mjs';

for (const name of ['protocol', 'server', 'client']) {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'tsup.config.ts'))) continue;
  console.log(`building @sockwire/${name}`);
  execFileSync(process.execPath, [join(dir, 'node_modules', 'tsup', 'dist', 'cli-default.js')], {
    cwd: dir,
    stdio: 'inherit',
  });
}

// `sockwire serve` serves @sockwire/client's <script> files (packages/server/src/cli/browser-files.ts). The
// server may not import the client's code, so its package carries copies of the built files (and of their
// source maps, when there are any) in dist/browser: made here, after both are built (the server's build
// cleans its dist, so a server-only build leaves them out, and sockwire serve then answers 404 saying so).
const clientDist = join(root, 'packages', 'client', 'dist');
const browserDir = join(root, 'packages', 'server', 'dist', 'browser');
const scripts = ['sockwire.min.js', 'sockwire-reconnect.min.js', 'sockwire-stomp.min.js'];
rmSync(browserDir, { recursive: true, force: true });
mkdirSync(browserDir, { recursive: true });
for (const file of readdirSync(clientDist).filter((name) => /\.min\.js(\.map)?$/.test(name))) {
  copyFileSync(join(clientDist, file), join(browserDir, file));
}
const missing = scripts.filter((name) => !existsSync(join(browserDir, name)));
if (missing.length > 0) throw new Error(`the client's build made no ${missing.join(', ')} in ${clientDist}`);
console.log(`copied the client's <script> files to ${browserDir}`);
