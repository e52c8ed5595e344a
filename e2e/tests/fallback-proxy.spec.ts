import { expectEcho } from '../src/expect-echo.js';
import { expect, inEveryEngine } from '../src/fixtures.js';
import { PING } from '../src/messages.js';
import type { ClientLibrary } from '../src/scenario-types.js';
import type { ProxyMode } from '../src/servers/proxy.js';
import { median, recordOpenTiming } from '../src/timing.js';

/*
 * Fallback in the wild: a real proxy between the browser and our server breaks WebSocket (refusing or silently
 * stalling the Upgrade) or streaming (buffering whole responses). Each client gets no transport list, so it
 * negotiates as on a user's network. Ours must land on a streaming transport behind the first two and on
 * polling behind the third; sockjs-client must open somewhere, for comparison. The time to open is recorded
 * for both (never asserted: see src/timing.ts).
 */

const STREAMING = ['xhr-streaming', 'eventsource'];

const EXPECTED: Readonly<Record<ProxyMode, readonly string[]>> = {
  'refuse-upgrade': STREAMING,
  'stall-upgrade': STREAMING,
  buffering: ['xhr-polling'],
};

const CLIENTS: readonly ClientLibrary[] = ['sockwire', 'sockjs-client'];
const MODES = Object.keys(EXPECTED) as ProxyMode[];
/** Each on a freshly loaded page, as a user's first visit. */
const SAMPLES = 3;

inEveryEngine((test) => {
  for (const mode of MODES) {
    for (const client of CLIENTS) {
      test(`${client} through a ${mode} proxy opens and echoes`, async ({
        engine,
        stack,
        openProxy,
      }, info) => {
        const proxy = await openProxy(mode);
        const samples: number[] = [];
        const transports = new Set<string>();
        for (let i = 0; i < SAMPLES; i++) {
          await engine.open(stack.pages.pageUrl());
          const result = await engine.run('echo', {
            library: client,
            url: proxy.via(stack.services.sockwire.url),
            messages: PING,
            timeoutMs: 20_000,
          });
          expectEcho(result, PING, null);
          if (client === 'sockwire')
            expect(EXPECTED[mode], result.log.join('\n')).toContain(result.transport);
          samples.push(result.openMs ?? Number.NaN);
          transports.add(result.transport ?? 'none');
        }
        await recordOpenTiming(info, {
          client,
          path: `${mode} proxy`,
          transport: [...transports].join(','),
          samples,
          medianMs: median(samples),
        });
      });
    }
  }
});
