import { afterEach } from 'vitest';
import { parseServeArgs, type RunningServe, startServe } from '../../src/cli/serve.js';
import { type ChatClient, connectClient } from '../brokers/redis/support/stomp-nodes.js';

/** `sockwire serve` nodes in this process, and STOMP clients on them; all closed after each test. */
export interface InProcessServe {
  /** `sockwire serve --port 0 --host 127.0.0.1 ...args`, as the CLI starts it (no build needed). */
  serve(args: readonly string[]): Promise<RunningServe>;
  /** A STOMP client for `user` on `started`, over raw WebSocket. */
  client(started: RunningServe, user: string): Promise<ChatClient>;
}

/** For the file or describe block that calls it: registers the afterEach that closes what its tests started. */
export function useInProcessServe(): InProcessServe {
  const running: RunningServe[] = [];
  const clients: ChatClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(running.splice(0).map((started) => started.close()));
  });
  return {
    serve: async (args) => {
      const started = await startServe(parseServeArgs(['--port', '0', '--host', '127.0.0.1', ...args]));
      running.push(started);
      return started;
    },
    client: async (started, user) => {
      const base = started.urls.sockjs.replace(/^http:\/\//, '');
      const connected = await connectClient({ base }, 'raw-websocket', user);
      clients.push(connected);
      return connected;
    },
  };
}
