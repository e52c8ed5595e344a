import { type EchoService, type ServerKind, startEchoService } from './echo.js';
import { type PageServer, startPageServer } from './pages.js';

/**
 * Everything a scenario talks to, each on its own ephemeral port: the page origin and the two echo services.
 * One per test worker; tests share it but never a session, since every scenario opens its own socket.
 */
export interface Stack {
  readonly pages: PageServer;
  readonly services: Readonly<Record<ServerKind, EchoService>>;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const pages = await startPageServer();
  const [sockwire, sockjsNode] = await Promise.all([
    startEchoService('sockwire', pages.sockjsClientUrl),
    startEchoService('sockjs-node', pages.sockjsClientUrl),
  ]);
  return {
    pages,
    services: { sockwire, 'sockjs-node': sockjsNode },
    async close() {
      await Promise.all([pages.close(), sockwire.close(), sockjsNode.close()]);
    },
  };
}
