import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy of the kind that breaks streaming: it refuses WebSocket upgrades and holds every response
 * back until the upstream one is complete. Long-polling still works through it; streaming does not.
 */
export async function startBufferingProxy(upstream: string): Promise<{ url: string; stop(): Promise<void> }> {
  const target = new URL(upstream);
  const server: Server = createServer((clientRequest, clientResponse) => {
    const upstreamRequest = request(
      {
        host: target.hostname,
        port: target.port,
        method: clientRequest.method,
        path: clientRequest.url,
        headers: clientRequest.headers,
      },
      (upstreamResponse) => {
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('end', () => {
          const body = Buffer.concat(chunks);
          const headers = { ...upstreamResponse.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          clientResponse.writeHead(upstreamResponse.statusCode ?? 502, headers);
          clientResponse.end(body);
        });
      },
    );
    upstreamRequest.on('error', () => clientResponse.destroy());
    clientResponse.on('close', () => upstreamRequest.destroy());
    clientRequest.pipe(upstreamRequest);
  });
  server.on('upgrade', (_request, socket) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
