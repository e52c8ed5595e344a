import { firstDifference } from '../src/expect-echo.js';
import { expect, inEveryEngine } from '../src/fixtures.js';
import { ECHO_MESSAGES } from '../src/messages.js';
import {
  type ClientLibrary,
  type StompResult,
  TRANSPORTS,
  type TransportName,
} from '../src/scenario-types.js';
import { stompAppDestinations } from '../src/servers/stomp.js';

/*
 * STOMP round trips on our broker (src/servers/stomp.ts) over each transport: our stompjs client
 * (`Sockwire.createStompClient`, from sockwire-stomp.min.js) forced onto one transport subscribes to a topic,
 * publishes text that tends to break (each SEND with a receipt) and gets it back unchanged, then SENDs to /app
 * and gets the handler's reply on the topic it subscribed to, then deactivates cleanly. The same stompjs client
 * over the real sockjs-client is the interop row: a STOMP application that keeps sockjs-client.
 */

/** The application round trip's text: the Unicode and JSON/HTML specials of the echo messages. */
const APP_TEXT = ECHO_MESSAGES[1] ?? '';

const LIBRARIES: Readonly<Record<ClientLibrary, { readonly title: string; readonly libraries: string[] }>> = {
  sockwire: { title: 'ours', libraries: ['sockwire', 'sockwire-stomp'] },
  'sockjs-client': { title: 'stompjs on sockjs-client', libraries: ['sockwire-stomp', 'sockjs'] },
};

function expectStompRoundTrip(result: StompResult, transport: TransportName, name: string): void {
  const log = `page log:\n${result.log.join('\n')}`;
  expect(result.error, log).toBeNull();
  expect(result.connected, log).toBe(true);
  expect(result.version, log).toBe('1.2');
  expect(result.transport, log).toBe(transport);
  expect(firstDifference(ECHO_MESSAGES, result.received), log).toBeNull();
  expect(result.receipts, log).toEqual([...ECHO_MESSAGES.map((_, i) => `r-${i}`), 'r-app']);
  expect(result.appReply, log).toEqual({ name, text: APP_TEXT, transport, version: '1.2' });
  expect(result.deactivated, log).toBe(true);
  expect(result.close, log).toMatchObject({ code: 1000, wasClean: true });
}

inEveryEngine((test) => {
  for (const library of Object.keys(LIBRARIES) as ClientLibrary[]) {
    const { title, libraries } = LIBRARIES[library];
    for (const transport of TRANSPORTS) {
      test(`${title} over ${transport}: STOMP round trip with our broker`, async ({ engine, stack }) => {
        // Destinations of this test only: the broker is shared by the worker's tests.
        const name = `${library}-${transport}`;
        await engine.open(stack.pages.pageUrl({ libraries }));
        const result = await engine.run('stomp', {
          library,
          url: stack.stomp.url,
          transport,
          topic: `/topic/e2e/${name}`,
          messages: ECHO_MESSAGES,
          app: stompAppDestinations(name),
          appText: APP_TEXT,
          timeoutMs: 15_000,
        });
        expectStompRoundTrip(result, transport, name);
      });
    }
  }
});
