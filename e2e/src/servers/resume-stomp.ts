import { createServer as createHttpServer } from 'node:http';
import type { HistoryOptions, StompBroker, StompStats } from '@sockwire/server';
import { type Listening, listen } from './listen.js';

/*
 * A STOMP service of its own for one test of offline-resume.spec.ts: the real `createStompBroker` over the
 * memory broker (with the history the test asks for) behind our SockJS server, on a fresh port, so that its
 * counters and session log belong to that test alone. It also holds a subscriber of its own, inside the server
 * (a consumer of the memory broker), for what a page sends: it counts each message the broker published there.
 */

export const RESUME_PREFIX = '/stomp';

/** One line of the broker's session lifecycle: when a page's STOMP session came and went. */
export interface SessionEvent {
  readonly event: 'connected' | 'disconnected';
  readonly session: string;
  readonly transport: string;
  /** The close code and reason of a `disconnected` session. */
  readonly close?: string;
}

export interface ResumeService extends Listening {
  /** The SockJS URL of the service (direct; a test reaches it through a cut proxy). */
  readonly url: string;
  /** Publishes from the server side, as an application would (`stomp.publish`), in order. */
  publish(destination: string, bodies: readonly string[]): Promise<void>;
  /** Bodies the in-server subscriber of `destination` got (see `watch`), in order. */
  seen(destination: string): readonly string[];
  /** Subscribes the in-server subscriber to `destination`; call before anything is sent there. */
  watch(destination: string): Promise<void>;
  readonly sessions: readonly SessionEvent[];
  /** SUBSCRIBEs to `destination` the broker accepted (its `subscribed` event): live from then on. */
  subscribed(destination: string): number;
  stats(): StompStats;
}

export async function startResumeService(options: {
  history: HistoryOptions;
  sockjsUrl: string;
}): Promise<ResumeService> {
  // Imported in the worker that serves (see echo.ts).
  const { createServer, createStompBroker, MemoryBroker, STOMP_SUBPROTOCOLS } = await import(
    '@sockwire/server'
  );
  const memory = new MemoryBroker({ history: options.history });
  const stomp: StompBroker = createStompBroker({ broker: memory });
  const sessions: SessionEvent[] = [];
  stomp.on('connected', ({ session }) =>
    sessions.push({ event: 'connected', session: session.id, transport: session.transport }),
  );
  stomp.on('disconnected', ({ session, code, reason }) =>
    sessions.push({
      event: 'disconnected',
      session: session.id,
      transport: session.transport,
      close: `${code} ${reason}`,
    }),
  );
  const subscribed = new Map<string, number>();
  stomp.on('subscribed', ({ subscription }) =>
    subscribed.set(subscription.destination, (subscribed.get(subscription.destination) ?? 0) + 1),
  );
  const seen = new Map<string, string[]>();
  const handles: { cancel(): unknown }[] = [];

  const sockjs = createServer({
    prefix: RESUME_PREFIX,
    // The pages' origin (see echo.ts): '*' never grants sockjs-client's credentialed XHRs.
    allowedOrigins: [new URL(options.sockjsUrl).origin],
    iframe: true,
    sockjsUrl: options.sockjsUrl,
    webSocketProtocols: STOMP_SUBPROTOCOLS,
  });
  sockjs.on('connection', (connection) => stomp.handleConnection(connection));
  const http = createHttpServer();
  sockjs.installHandlers(http);
  const listening = await listen(http);

  return {
    ...listening,
    url: `${listening.origin}${RESUME_PREFIX}`,
    async publish(destination, bodies) {
      for (const body of bodies) await stomp.publish(destination, body);
    },
    seen: (destination) => seen.get(destination) ?? [],
    async watch(destination) {
      const bodies: string[] = [];
      seen.set(destination, bodies);
      handles.push(
        await memory.subscribe(
          destination,
          { deliver: ({ message }) => bodies.push(message.body) },
          { manualAck: false },
        ),
      );
    },
    sessions,
    subscribed: (destination) => subscribed.get(destination) ?? 0,
    stats: () => stomp.stats(),
    async close() {
      for (const handle of handles) await handle.cancel();
      await stomp.close();
      await memory.close();
      sockjs.close();
      await listening.close();
    },
  };
}
