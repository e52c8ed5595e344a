// Builds every package (ESM + CJS + .d.ts with tsup) in dependency order.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
