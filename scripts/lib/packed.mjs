// The public packages as a user receives them: packed by pnpm, which rewrites `workspace:*` to real versions and
// applies each package.json's `publishConfig` (our `exports` there lack the workspace's `source` condition, whose
// src/ is not published). Used by the package checks of the test command (package-lint.mjs) and by
// scripts/test/packages.test.mjs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder names under packages/ of the packages we publish (the others in the workspace are private). */
export const PUBLIC_PACKAGES = ['protocol', 'client', 'server'];

export function packageDir(root, name) {
  return join(root, 'packages', name);
}

export function manifest(root, name) {
  return JSON.parse(readFileSync(join(packageDir(root, name), 'package.json'), 'utf8'));
}

/** Packs packages/<name> into `destination` with pnpm 10; returns the tarball's path. */
export function pack(root, name, destination) {
  const output = execFileSync('npx', ['-y', 'pnpm@10', 'pack', '--json', '--pack-destination', destination], {
    cwd: packageDir(root, name),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { filename } = JSON.parse(output);
  return filename.startsWith('/') ? filename : join(destination, filename);
}

/** `exports` without the `source` condition, at every depth: what publishConfig.exports must be. */
export function withoutSourceCondition(exportsField) {
  if (typeof exportsField !== 'object' || exportsField === null) return exportsField;
  return Object.fromEntries(
    Object.entries(exportsField)
      .filter(([key]) => key !== 'source')
      .map(([key, value]) => [key, withoutSourceCondition(value)]),
  );
}

/**
 * Subpaths that are plain files rather than modules: the client's <script> files (an IIFE that defines
 * `window.Sockwire`). They have no types to resolve, so the type checks leave them out.
 */
export function scriptFileSubpaths(exportsField) {
  return Object.entries(exportsField)
    .filter(([subpath, target]) => typeof target === 'string' && subpath.endsWith('.min.js'))
    .map(([subpath]) => subpath);
}
