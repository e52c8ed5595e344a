import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import WebSocket from 'ws';
import { createServer } from '../../../../src/index.js';
import {
  chooseStompSubprotocol,
  createStompBroker,
  type StompBroker,
  StompParser,
} from '../../../../src/stomp/index.js';
import { createStompRelay, type StompRelay } from '../../../../src/stomp/relay/index.js';
import { RABBITMQ, RUN, requireRabbitMq } from '../support/rabbitmq.js';

/**
 * Messages per second through one Sockwire server, embedded broker against the RabbitMQ relay, on the same
 * SockJS endpoint and the same raw-WebSocket STOMP clients:
 *   npx vitest bench packages/server/test/stomp/relay/bench
 * Each iteration publishes BATCH messages (no receipts, as chat clients do) and ends when every subscriber has
 * them all; msg/s = hz × BATCH (× subscribers for deliveries). Bounded: a few iterations per case.
 */
const BATCH = 2000;
const FANOUT = 10;
const options = { time: 0, iterations: 8, warmupIterations: 1 } as const;

/** A STOMP client on the raw WebSocket entry, counting the MESSAGE frames it gets. */
class RawStomp {
  received = 0;
  private waiter: (() => void) | undefined;
  private goal = 0;
  private readonly socket: WebSocket;
  private readonly parser = new StompParser({
    limits: { maxHeaders: 256, maxHeaderLineLength: 65_536, maxBodyBytes: 1 << 20 },
    onFrame: (frame) => {
      if (frame.command === 'MESSAGE') this.received++;
      else if (frame.command === 'CONNECTED') this.parser.setVersion('1.2');
      if (this.received >= this.goal || frame.command !== 'MESSAGE') this.waiter?.();
    },
  });

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) => this.parser.push(data.toString('utf8')));
  }

  static async open(url: string): Promise<RawStomp> {
    const socket = new WebSocket(url, ['v12.stomp']);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const client = new RawStomp(socket);
    await client.until(0, () => socket.send('CONNECT\naccept-version:1.2\nhost:/\n\n\0'));
    return client;
  }

  send(text: string): void {
    this.socket.send(text);
  }

  /** Run `action`, then wait for the next non-MESSAGE frame, or until `received` reaches `goal`. */
  until(goal: number, action: () => void): Promise<void> {
    this.goal = goal === 0 ? Number.POSITIVE_INFINITY : goal;
    return new Promise((resolve) => {
      this.waiter = () => {
        this.waiter = undefined;
        resolve();
      };
      action();
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

interface Rig {
  stomp: StompBroker;
  relay?: StompRelay;
  http: Server;
  url: string;
}

async function rig(relay: StompRelay | undefined): Promise<Rig> {
  const stomp = createStompBroker(relay === undefined ? {} : { relay });
  const sockjs = createServer({ prefix: '/stomp', webSocketProtocols: (o) => chooseStompSubprotocol(o) });
  sockjs.on('connection', (connection) => stomp.handleConnection(connection));
  const http = createHttpServer();
  sockjs.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/stomp/websocket`;
  return { stomp, ...(relay === undefined ? {} : { relay }), http, url };
}

const rigs: Rig[] = [];
const clients: RawStomp[] = [];
let batch = 0;

async function setup(kind: 'embedded' | 'relay', subscribers: number) {
  const relay = kind === 'relay' ? createStompRelay({ host: RABBITMQ.host, port: RABBITMQ.port }) : undefined;
  if (relay !== undefined && !(await relay.whenAvailable(5000))) throw new Error('RabbitMQ is not reachable');
  const target = await rig(relay);
  rigs.push(target);
  const destination = `/topic/${RUN}.bench.${kind}.${subscribers}`;
  const publisher = await RawStomp.open(target.url);
  const readers = await Promise.all(Array.from({ length: subscribers }, () => RawStomp.open(target.url)));
  clients.push(publisher, ...readers);
  for (const reader of readers) {
    await reader.until(0, () => reader.send(`SUBSCRIBE\nid:0\ndestination:${destination}\nreceipt:s\n\n\0`));
  }
  const body = JSON.stringify({ from: 'bench', text: 'x'.repeat(100) });
  const frame = `SEND\ndestination:${destination}\ncontent-type:application/json\n\n${body}\0`;
  // 50 frames per WebSocket message: how a busy client's writes coalesce, without one message per frame.
  const chunk = frame.repeat(50);
  return async () => {
    batch++;
    await Promise.all(
      readers.map((reader) =>
        reader.until(reader.received + BATCH, () => {
          if (reader !== readers[0]) return;
          for (let i = 0; i < BATCH / 50; i++) publisher.send(chunk);
        }),
      ),
    );
  };
}

beforeAll(requireRabbitMq);
afterAll(async () => {
  for (const client of clients) client.close();
  for (const target of rigs) {
    await target.stomp.close();
    target.relay?.close();
    target.http.closeAllConnections();
    target.http.close();
  }
  process.stdout.write(`(${batch} batches of ${BATCH} messages)\n`);
});

for (const subscribers of [1, FANOUT]) {
  describe(`${BATCH} messages, 1 publisher → ${subscribers} subscriber(s) on one /topic`, async () => {
    const embedded = await setup('embedded', subscribers);
    const relayed = await setup('relay', subscribers);
    bench('embedded broker', embedded, options);
    bench('RabbitMQ relay', relayed, options);
  });
}
