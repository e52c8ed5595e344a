// `pnpm sockwire <command>` / `npm run sockwire -- <command>` from the repository root: makes sure the
// workspace is installed and built, then runs the server's CLI.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDeps, root } from './ensure-deps.mjs';

ensureDeps();
await import(pathToFileURL(join(root, 'packages', 'server', 'dist', 'cli.js')).href);
