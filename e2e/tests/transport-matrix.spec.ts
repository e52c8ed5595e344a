import { expectEcho } from '../src/expect-echo.js';
import { inEveryEngine } from '../src/fixtures.js';
import { ECHO_MESSAGES } from '../src/messages.js';
import { TRANSPORTS } from '../src/scenario-types.js';
import type { ServerKind } from '../src/servers/echo.js';

/*
 * Our client, loaded from its IIFE build, forced onto each transport in turn, against our server and against
 * the reference server (sockjs-node): it opens on exactly that transport and echoes text that tends to break.
 */

const SERVERS: readonly ServerKind[] = ['sockwire', 'sockjs-node'];

inEveryEngine((test) => {
  for (const server of SERVERS) {
    for (const transport of TRANSPORTS) {
      test(`ours over ${transport} echoes against ${server}`, async ({ engine, stack }) => {
        await engine.open(stack.pages.pageUrl());
        const result = await engine.run('echo', {
          library: 'sockwire',
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
