import { expectEcho } from '../src/expect-echo.js';
import { inEveryEngine } from '../src/fixtures.js';
import { closeRequest, TRANSPORTS } from '../src/scenario-types.js';
import type { ServerKind } from '../src/servers/echo.js';

/*
 * The server closes with an application code: the page must get a CloseEvent with that code and reason,
 * wasClean, over every transport (HTTP transports carry it as a SockJS `c` frame, WebSocket too). Our client
 * against both servers.
 */

const SERVERS: readonly ServerKind[] = ['sockwire', 'sockjs-node'];
const GO_AWAY = { code: 3000, reason: 'Go away!', wasClean: true };

inEveryEngine((test) => {
  for (const server of SERVERS) {
    for (const transport of TRANSPORTS) {
      test(`ours over ${transport} reports ${server}'s close ${GO_AWAY.code}`, async ({ engine, stack }) => {
        await engine.open(stack.pages.pageUrl());
        const result = await engine.run('echo', {
          library: 'sockwire',
          url: stack.services[server].url,
          transports: [transport],
          messages: ['before close', closeRequest(GO_AWAY.code, GO_AWAY.reason)],
          serverCloses: true,
          timeoutMs: 15_000,
        });
        expectEcho(result, ['before close'], transport, GO_AWAY);
      });
    }
  }
});
