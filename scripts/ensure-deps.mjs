// Installs the workspace's dependencies with pnpm 10 (through npx, so only Node is needed) when they are
// missing or older than the lock file. Used by the README commands so that they work on a fresh clone.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function pnpm(args, options = {}) {
  const inPnpm = process.env.npm_execpath?.includes('pnpm');
  const [command, prefix] = inPnpm
    ? [process.execPath, [process.env.npm_execpath]]
    : ['npx', ['-y', 'pnpm@10']];
  execFileSync(command, [...prefix, ...args], { cwd: root, stdio: 'inherit', ...options });
}

export function ensureDeps() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  // The CLI, and the client's <script> files `sockwire serve` serves (the build copies them in last).
  const built = ['cli.js', 'browser/sockwire.min.js'].every((file) =>
    existsSync(join(root, 'packages', 'server', 'dist', file)),
  );
  const fresh = existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs && built;
  if (fresh) return;
  console.log('Installing dependencies (pnpm install) ...');
  pnpm(['install', '--frozen-lockfile'], { env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureDeps();
