// `npm run demo [-- --port 9000]` from the repository root: install the workspace if needed, then build and
// start the chat demo (demo/scripts/start.mjs), which prints its URL. `npm run demo:cluster` starts three
// nodes behind HAProxy on Redis instead (demo/scripts/cluster.mjs).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDeps, root } from './ensure-deps.mjs';

ensureDeps();
const cluster = process.argv.includes('--cluster');
if (cluster) process.argv.splice(process.argv.indexOf('--cluster'), 1);
await import(pathToFileURL(join(root, 'demo', 'scripts', cluster ? 'cluster.mjs' : 'start.mjs')).href);
