/*
 * socket.io 4.8 with its defaults (serving no client file): event `e` echoes to the sender, event `b` goes to
 * every socket through `io.emit`, which encodes the packet once for all of them.
 */
import { Server } from 'socket.io';

/** @param {import('node:http').Server} http */
export function install(http) {
  const io = new Server(http, { serveClient: false });
  io.on('connection', (socket) => {
    socket.on('e', (data) => socket.emit('e', data));
    socket.on('b', (data) => io.emit('b', data));
  });
  return { sessions: () => io.engine.clientsCount };
}
