import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

/*
 * A plain TCP forwarder between the browser and a service, with a switch: `cut()` resets every connection it
 * carries (the browser side and the service side) and resets every new one until `restore()`. It knows nothing
 * of HTTP, so WebSocket upgrades, streaming responses and polling requests all pass through byte for byte, and
 * a cut reaches every transport the same way: as a network that went away. (src/servers/proxy.ts is an HTTP
 * proxy whose modes break WebSocket or streaming for good; this one breaks everything for a while.)
 */

export interface CutProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The same URL, reached through this proxy. */
  via(url: string): string;
  /** Reset every open connection, and every new one until `restore()`; returns how many were open. */
  cut(): number;
  restore(): void;
  readonly offline: boolean;
  /** Connections carried now. */
  readonly open: number;
  /** Connections reset by `cut()`, and connections refused while cut. */
  readonly counts: { readonly cut: number; readonly refused: number; readonly accepted: number };
  /** One line per connection event, for the failure report. */
  readonly events: readonly string[];
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export async function startCutProxy(targetOrigin: string): Promise<CutProxy> {
  const target = new URL(targetOrigin);
  const pairs = new Set<Pair>();
  const events: string[] = [];
  const counts = { cut: 0, refused: 0, accepted: 0 };
  const log = (line: string) => events.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  let offline = false;

  const server = createServer((client) => {
    client.on('error', () => {});
    if (offline) {
      counts.refused++;
      log(`connection from :${client.remotePort} reset (cut)`);
      client.resetAndDestroy();
      return;
    }
    counts.accepted++;
    log(`connection from :${client.remotePort} forwarded`);
    client.setNoDelay(true);
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    upstream.setNoDelay(true);
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget);
    upstream.on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the cut proxy has no TCP address');
  const origin = `http://127.0.0.1:${address.port}`;
  log(`listening on ${origin}, forwarding to ${target.host}`);

  return {
    port: address.port,
    origin,
    via(url) {
      const proxied = new URL(url);
      proxied.port = String(address.port);
      return proxied.toString().replace(/\/$/, '');
    },
    cut() {
      offline = true;
      const open = [...pairs];
      for (const { client, upstream } of open) {
        // A reset, not a FIN: neither side gets a clean end, as when the network under them goes away.
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
      counts.cut += open.length;
      log(`cut: ${open.length} connection(s) reset`);
      return open.length;
    },
    restore() {
      offline = false;
      log('restored');
    },
    get offline() {
      return offline;
    },
    get open() {
      return pairs.size;
    },
    counts,
    events,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await closed;
    },
  };
}
