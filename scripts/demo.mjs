// `npm run demo [-- --port 9000]` from the repository root: install the workspace if needed, then build and
// start the chat demo (demo/scripts/start.mjs), which prints its URL.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDeps, root } from './ensure-deps.mjs';

ensureDeps();
await import(pathToFileURL(join(root, 'demo', 'scripts', 'start.mjs')).href);
