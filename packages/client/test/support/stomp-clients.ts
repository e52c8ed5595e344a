import { nodeEnv } from '@sockwire/test-support/node-env';
import { waitFor } from '@sockwire/test-support/wait';
import {
  createStompClient,
  type IMessage,
  type SockwireStompClient,
  type SockwireStompConfig,
  type StompGap,
} from '../../src/stomp.js';

/*
 * Clients for the resume and confirmed-send suites: our STOMP client in Node on one transport, reconnecting
 * fast (the tests wait for events, never for time), and recorders of what reached the application.
 */

export type StompTransport = 'websocket' | 'xhr-streaming' | 'eventsource' | 'xhr-polling';

/** The clients a test made, deactivated after it. */
export class StompClients {
  private made: SockwireStompClient[] = [];

  make(url: string, transport: StompTransport, config: SockwireStompConfig = {}): SockwireStompClient {
    const client = createStompClient(url, {
      socket: { ...nodeEnv, transports: [transport] },
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      minDelay: 20,
      maxDelay: 100,
      ...config,
    });
    this.made.push(client);
    return client;
  }

  async deactivateAll(): Promise<void> {
    const made = this.made;
    this.made = [];
    for (const client of made) await client.deactivate();
  }
}

/** Counts the client's CONNECTEDs (set before `activate()`; it takes the client's `onConnect`). */
export class ConnectCounter {
  count = 0;

  constructor(private readonly client: SockwireStompClient) {
    client.onConnect = () => {
      this.count += 1;
    };
  }

  /** Resolves once the client has been CONNECTED `n` times in all. */
  reached(n: number): Promise<void> {
    return waitFor(
      () => this.count >= n,
      () => `CONNECTED #${n} (so far ${this.count})`,
    );
  }

  /** Resolves once the current connection is gone (after a cut, seen from the client). */
  lost(): Promise<void> {
    return waitFor(() => !this.client.connected, 'the client to see its connection drop');
  }
}

/** What reached a subscription's callback and `onGap`, in one sequence: bodies, and `gap:<reason>` entries. */
export class Received {
  readonly events: string[] = [];
  readonly messages: IMessage[] = [];
  readonly gaps: StompGap[] = [];

  readonly take = (message: IMessage): void => {
    this.messages.push(message);
    this.events.push(message.body);
  };

  readonly gap = (gap: StompGap): void => {
    this.gaps.push(gap);
    this.events.push(`gap:${gap.reason}`);
  };

  get bodies(): string[] {
    return this.messages.map((message) => message.body);
  }

  get offsets(): number[] {
    return this.messages.map((message) => Number(message.headers['x-stream-offset']));
  }

  /** Resolves once `body` has arrived (then the test compares everything that came, duplicates included). */
  until(body: string, timeoutMs = 10_000): Promise<void> {
    return waitFor(
      () => this.events.includes(body),
      () => `"${body}" (got ${this.events.length}: ...${this.events.slice(-5).join(', ')})`,
      timeoutMs,
    );
  }
}

/** `['<prefix>0', '<prefix>1', ...]` */
export function numbered(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}
