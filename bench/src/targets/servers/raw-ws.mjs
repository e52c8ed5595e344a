/*
 * The WebSocket ceiling: `ws` with nothing on top. `/echo` echoes; `/bcast` sends every message to every
 * `/bcast` socket, one `send` each, as the ws documentation's broadcast example does.
 */
import { WebSocketServer } from 'ws';

/** @param {import('node:http').Server} http */
export function install(http) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  /** @type {Set<import('ws').WebSocket>} */
  const group = new Set();
  let open = 0;
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => {});
    const bcast = request.url === '/bcast';
    wss.handleUpgrade(request, socket, head, (ws) => {
      open++;
      ws.on('error', () => {});
      ws.on('close', () => {
        open--;
        group.delete(ws);
      });
      if (bcast) {
        group.add(ws);
        ws.on('message', (data) => {
          for (const peer of group) peer.send(data, { binary: false });
        });
      } else {
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      }
    });
  });
  return { sessions: () => open };
}
