import { expectEcho } from '../src/expect-echo.js';
import { inEveryEngine } from '../src/fixtures.js';
import { PING } from '../src/messages.js';
import type { ClientLibrary } from '../src/scenario-types.js';
import type { ServerKind } from '../src/servers/echo.js';

/*
 * A page whose browser has no WebSocket (deleted before any library loads), and no transport list given:
 * each client must find the next transport on its own. Both libraries put xhr-streaming next.
 */

const CLIENTS: readonly ClientLibrary[] = ['sockwire', 'sockjs-client'];
const SERVERS: readonly ServerKind[] = ['sockwire', 'sockjs-node'];

inEveryEngine((test) => {
  for (const client of CLIENTS) {
    for (const server of SERVERS) {
      test(`without window.WebSocket ${client} falls back to xhr-streaming against ${server}`, async ({
        engine,
        stack,
      }) => {
        await engine.open(stack.pages.pageUrl({ withoutWebSocket: true }));
        const result = await engine.run('echo', {
          library: client,
          url: stack.services[server].url,
          messages: PING,
          timeoutMs: 15_000,
          // Sockwire races the next transport beside a slow one after ~100 ms on loopback: under CI load the
          // eventsource attempt opened first once. The point here is which transport comes next, not the race.
          fallbackDelay: 5_000,
        });
        expectEcho(result, PING, 'xhr-streaming');
      });
    }
  }
});
