import { expectEcho } from '../src/expect-echo.js';
import { inEveryEngine } from '../src/fixtures.js';
import { ECHO_MESSAGES } from '../src/messages.js';
import { TRANSPORTS } from '../src/scenario-types.js';
import type { ServerKind } from '../src/servers/echo.js';

/*
 * The real sockjs-client (its dist file, as pages load it) on each of its transports. Against our server this
 * is the interop promise; against sockjs-node it is the control: when both fail, the harness or the browser is
 * at fault, not our server.
 */

const SERVERS: readonly ServerKind[] = ['sockwire', 'sockjs-node'];

inEveryEngine((test) => {
  for (const server of SERVERS) {
    for (const transport of TRANSPORTS) {
      test(`sockjs-client over ${transport} echoes against ${server}`, async ({ engine, stack }) => {
        await engine.open(stack.pages.pageUrl());
        const result = await engine.run('echo', {
          library: 'sockjs-client',
          url: stack.services[server].url,
          transports: [transport],
          messages: ECHO_MESSAGES,
          timeoutMs: 15_000,
        });
        expectEcho(result, ECHO_MESSAGES, transport);
      });
    }
  }
});
