// One package check of the test command, on the packed tarball of one public package:
//   node scripts/lib/package-lint.mjs publint <protocol|client|server>
//     publint in strict mode (warnings are errors); it must report no error and no warning.
//   node scripts/lib/package-lint.mjs attw <protocol|client|server>
//     @arethetypeswrong/cli with the node16 profile: every entry's types must resolve for node16 ESM, node16 CJS
//     and bundler resolution (node10, which knows no `exports`, is left out: our subpaths need `exports`).
//     The client's <script> files are left out: they are IIFEs for a <script> tag, not modules, and have no types.
// Needs the build (node scripts/build.mjs). Exits with the tool's status.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifest, PUBLIC_PACKAGES, pack, scriptFileSubpaths } from './packed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [tool, name] = process.argv.slice(2);
if (!['publint', 'attw'].includes(tool) || !PUBLIC_PACKAGES.includes(name)) {
  console.error(`usage: node scripts/lib/package-lint.mjs publint|attw ${PUBLIC_PACKAGES.join('|')}`);
  process.exit(2);
}

const destination = mkdtempSync(join(tmpdir(), `sockwire-${tool}-${name}-`));
try {
  const tarball = pack(root, name, destination);
  const bin = join(root, 'node_modules', '.bin', tool);
  const args =
    tool === 'publint'
      ? ['run', tarball, '--strict', '--level', 'warning']
      : attwArgs(tarball, manifest(root, name).publishConfig.exports);
  const { status } = spawnSync(bin, args, { cwd: root, stdio: 'inherit' });
  process.exitCode = status ?? 1;
} finally {
  rmSync(destination, { recursive: true, force: true });
}

function attwArgs(tarball, exportsField) {
  const scripts = scriptFileSubpaths(exportsField);
  const exclude = scripts.length === 0 ? [] : ['--exclude-entrypoints', ...scripts];
  return [tarball, '--profile', 'node16', '--format', 'table-flipped', ...exclude];
}
