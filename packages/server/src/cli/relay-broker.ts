import { createStompRelay } from '../stomp/relay/relay.js';
import type { BrokerChoice } from './broker-url.js';

/** How long `sockwire serve` waits for RabbitMQ before it starts anyway (the relay keeps retrying). */
const FIRST_CONNECT_WAIT = 5000;

/**
 * `stomp://login:passcode@host:61613[/vhost]`: relay broker destinations to RabbitMQ's STOMP adapter
 * (Spring's StompBrokerRelay). The credentials are the relay's, used for every connection it opens.
 */
export async function relayFromUrl(url: string): Promise<BrokerChoice> {
  const relay = createStompRelay({
    url,
    log: (severity, message) => {
      if (severity === 'error') process.stderr.write(`sockwire serve: ${message}\n`);
    },
  });
  relay.onAvailability((available, detail) => {
    const what = available ? 'connected' : `lost (${detail}); reconnecting with backoff`;
    process.stderr.write(`sockwire serve: RabbitMQ relay ${relay.url} ${what}\n`);
  });
  const up = await relay.whenAvailable(FIRST_CONNECT_WAIT);
  return {
    stomp: { relay },
    description: `RabbitMQ STOMP relay ${relay.url}${up ? '' : ' (not reachable yet; retrying)'}`,
    close: async () => relay.close(),
  };
}
