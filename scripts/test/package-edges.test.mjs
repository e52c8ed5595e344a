// Tests respect package edges: a test, e2e, demo, bench or script file reaches another workspace package by its
// name (`@sockwire/client/stomp`, `@sockwire/test-support/redis-server`), which goes through that package's
// `exports`, never by a relative path into its `src` or `test` folder, which would tie the two packages' layouts
// together and let a test use what the package does not export.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The workspace packages (pnpm-workspace.yaml), as folders relative to the root, with their names. */
function workspacePackages() {
  const patterns = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
    .split('\n')
    .map((line) => /^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/.exec(line)?.[1])
    .filter((pattern) => pattern !== undefined);
  const folders = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(root, parent)).map((name) => `${parent}/${name}`);
  });
  return folders
    .filter((folder) => existsSync(join(root, folder, 'package.json')))
    .map((folder) => ({
      folder,
      name: JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')).name,
    }));
}

/** The files that hold tests or drive them: every package's test folder, the test helpers, e2e, demo, bench, scripts. */
function checkedFiles() {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return listed
    .split('\n')
    .filter((file) => /\.(?:[cm]?[jt]s|tsx)$/.test(file) && existsSync(join(root, file)))
    .filter((file) =>
      /^(?:packages\/[^/]+\/test\/|packages\/test-support\/|e2e\/|demo\/|bench\/|scripts\/)/.test(file),
    );
}

/** `from '...'`, `import '...'`, `import('...')` and `require('...')`, with the line each stands on. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/**
 * The imports of `source` (the text of `file`) that reach by relative path into the `src` or `test` folder of a
 * package other than the one `file` belongs to, as `file:line imports 'specifier' (...)`.
 */
function crossings(file, source, packages) {
  const owner = (path) =>
    packages
      .filter(({ folder }) => path === folder || path.startsWith(`${folder}/`))
      .sort((a, b) => b.folder.length - a.folder.length)[0];
  const from = owner(file);
  const found = [];
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[2];
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
    const target = posix.normalize(posix.join(posix.dirname(file), specifier));
    const to = owner(target);
    if (to === undefined || to.folder === from?.folder) continue;
    const folder = target.slice(to.folder.length + 1).split('/')[0];
    if (folder !== 'src' && folder !== 'test') continue;
    const line = source.slice(0, match.index).split('\n').length;
    found.push(
      `${file}:${line} imports '${specifier}' (${to.folder}/${folder}): import ${to.name} by its name instead`,
    );
  }
  return found;
}

describe('package edges', () => {
  const packages = workspacePackages();

  it('knows the workspace packages, the shared test helpers among them', () => {
    const names = packages.map(({ name }) => name);
    expect(names).toEqual(
      expect.arrayContaining(['@sockwire/client', '@sockwire/server', '@sockwire/test-support']),
    );
  });

  it('names a relative import into another package, and lets one inside its own package be', () => {
    const source = [
      "import { nodeEnv } from '../../../client/test/support/node-env.js';",
      "import { startHaproxy } from './haproxy.js';",
      "const stomp = await import('../../../client/src/stomp.js');",
      "import { createServer } from '../../src/index.js';",
    ].join('\n');
    expect(crossings('packages/server/test/cluster/x.test.ts', source, packages)).toEqual([
      "packages/server/test/cluster/x.test.ts:1 imports '../../../client/test/support/node-env.js' (packages/client/test): import @sockwire/client by its name instead",
      "packages/server/test/cluster/x.test.ts:3 imports '../../../client/src/stomp.js' (packages/client/src): import @sockwire/client by its name instead",
    ]);
  });

  it('no test, e2e, demo, bench or script file imports another package’s src or test by relative path', () => {
    const files = checkedFiles();
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) =>
      crossings(relative(root, join(root, file)), readFileSync(join(root, file), 'utf8'), packages),
    );
    expect(found).toEqual([]);
  });
});
