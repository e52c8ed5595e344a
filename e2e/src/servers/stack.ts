import { type EchoService, type ServerKind, startEchoService } from './echo.js';
import { type PageServer, startPageServer } from './pages.js';
import { type StompService, startStompService } from './stomp.js';

/**
 * Everything a scenario talks to, each on its own ephemeral port: the page origin, the two echo services and
 * our STOMP broker. One per test worker; tests share it but never a session, since every scenario opens its own
 * socket (and STOMP scenarios use destinations of their own).
 */
export interface Stack {
  readonly pages: PageServer;
  readonly services: Readonly<Record<ServerKind, EchoService>>;
  readonly stomp: StompService;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const pages = await startPageServer();
  const [sockwire, sockjsNode, stomp] = await Promise.all([
    startEchoService('sockwire', pages.sockjsClientUrl),
    startEchoService('sockjs-node', pages.sockjsClientUrl),
    startStompService(pages.sockjsClientUrl),
  ]);
  return {
    pages,
    services: { sockwire, 'sockjs-node': sockjsNode },
    stomp,
    async close() {
      await Promise.all([pages.close(), sockwire.close(), sockjsNode.close(), stomp.close()]);
    },
  };
}
