// `npm run dev` (in demo/): the chat server on an API port (STOMP only), and Vite's dev server with hot reload
// for the page, proxying /stomp to it. Change the page and it reloads; change the server and restart this.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildServer, demoDir } from './build.mjs';

const apiPort = process.env.DEMO_API_PORT ?? '8081';
process.env.DEMO_API_PORT = apiPort;
const server = await buildServer(join(demoDir, 'dist', 'dev-server', 'main.js'));
const api = spawn(process.execPath, [server, '--api-only', '--port', apiPort], { stdio: 'inherit' });

const { createServer } = await import('vite');
const vite = await createServer({ configFile: join(demoDir, 'vite.config.ts') });
await vite.listen(Number(process.env.PORT ?? 5173));
vite.printUrls();

const stop = () => {
  api.kill('SIGTERM');
  vite.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
api.once('exit', (code) => {
  console.error(`The chat server stopped (exit ${code}); stopping.`);
  vite.close().then(() => process.exit(1));
});
