/*
 * One target server process: `node serve.mjs <server> <options-json>`. Loads servers/<server>.mjs onto a plain
 * node:http server listening on loopback with a 4096 backlog (the default 511 overflows the accept queue
 * under connect bursts here), tells the harness its port over IPC, and answers the harness's requests.
 */
import { createServer } from 'node:http';

const [name, json = '{}'] = process.argv.slice(2);
if (name === undefined || process.send === undefined) {
  console.error('usage: node serve.mjs <server> [options-json] (started by the bench harness over IPC)');
  process.exit(2);
}
const send = process.send.bind(process);

/** @type {{ install(http: import('node:http').Server, options: any): Promise<{ sessions(): number }> | { sessions(): number } }} */
const server = await import(`./servers/${name}.mjs`);
const http = createServer();
// Same keep-alive for every target, long enough that idle load-generator sockets survive between phases.
http.keepAliveTimeout = 120_000;
const app = await server.install(http, JSON.parse(json));

// SIGTERM exits through process.exit so that --cpu-prof writes its profile; a lost harness ends us too.
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));

process.on('message', async (/** @type {any} */ msg) => {
  try {
    if (msg.type === 'mem') {
      // Two collections: the first may only queue finalizers whose memory the second frees.
      for (let i = 0; i < 2; i++) {
        /** @type {any} */ (globalThis).gc?.();
        await new Promise((r) => setImmediate(r));
      }
      const m = process.memoryUsage();
      send({ id: msg.id, heapUsed: m.heapUsed, rss: m.rss, external: m.external, sessions: app.sessions() });
    } else if (msg.type === 'sessions') {
      send({ id: msg.id, sessions: app.sessions() });
    } else {
      send({ id: msg.id, error: `unknown request ${msg.type}` });
    }
  } catch (error) {
    send({ id: msg.id, error: String(error) });
  }
});

http.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const address = /** @type {import('node:net').AddressInfo} */ (http.address());
  send({ type: 'ready', port: address.port });
});
