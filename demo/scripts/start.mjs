// `npm start` (in demo/) or `npm run demo` (at the root): build the page and the server, then run the server,
// which prints the URL. Arguments (`--port 9000`, `--host 0.0.0.0`, ...) and PORT go to the server.
import { pathToFileURL } from 'node:url';
import { buildPage, buildServer } from './build.mjs';

console.log('Building the Sockwire chat demo ...');
const [, server] = await Promise.all([buildPage(), buildServer()]);
// The server reads its arguments from process.argv, which are this script's.
await import(pathToFileURL(server).href);
