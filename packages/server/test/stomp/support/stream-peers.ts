import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type SockwireServer } from '../../../src/index.js';
import {
  chooseStompSubprotocol,
  createStompBroker,
  type StompBroker,
  type StompBrokerOptions,
  type StompFrame,
} from '../../../src/stomp/index.js';
import { listenTcp, type StompTcpServer } from '../../../src/tcp/index.js';
import { CLOSED, type RawClient } from './raw-client.js';
import { sockjsWebSocketTarget, type Target, tcpTarget, webSocketTarget } from './targets.js';
import { header, wire } from './test-client.js';

/** How long a test waits for a frame it expects before it fails. */
export const DEADLINE_MS = 10_000;

export type TransportKind = 'tcp' | 'websocket' | 'sockjs';

/** One STOMP broker reachable over plain TCP, a raw WebSocket and SockJS's WebSocket transport. */
export interface Stack {
  readonly broker: StompBroker;
  readonly targets: Readonly<Record<TransportKind, Target>>;
  close(): Promise<void>;
}

export async function startStack(options: StompBrokerOptions = {}): Promise<Stack> {
  const broker = createStompBroker(options);
  const tcp: StompTcpServer = await listenTcp({ broker, port: 0, host: '127.0.0.1' });
  const sockjs: SockwireServer = createServer({
    prefix: '/stomp',
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  const http: Server = createHttpServer();
  sockjs.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/stomp`;
  const targets = {
    tcp: tcpTarget('tcp', tcp.port),
    websocket: webSocketTarget('websocket', `${base}/websocket`),
    sockjs: sockjsWebSocketTarget('sockjs', base),
  };
  return {
    broker,
    targets,
    close: async () => {
      for (const target of Object.values(targets)) await target.close();
      await broker.close();
      await tcp.close();
      sockjs.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/**
 * A raw STOMP client that keeps every frame it receives, so a test can wait for a condition on all of them
 * (with a deadline) instead of reading frames one at a time.
 */
export class Peer {
  readonly frames: StompFrame[] = [];
  closed = false;
  private readonly client: RawClient;
  private waiters: (() => void)[] = [];

  private constructor(client: RawClient) {
    this.client = client;
    void this.pump();
  }

  /** Opens a connection and CONNECTs (with `headers`, e.g. a login); resolves once CONNECTED arrived. */
  static async open(target: Target, headers: Record<string, string> = {}): Promise<Peer> {
    const peer = new Peer(await target.open());
    peer.send('CONNECT', { 'accept-version': '1.2', host: '/', 'heart-beat': '0,0', ...headers });
    const connected = await peer.until('CONNECTED', () => peer.frames[0]);
    if (connected.command !== 'CONNECTED')
      throw new Error(`CONNECT answered with ${describeFrame(connected)}`);
    return peer;
  }

  send(command: string, headers: Record<string, string> = {}, body = ''): void {
    this.client.send(wire(command, headers, body));
  }

  /** Several frames in one write (pipelined). */
  sendMany(frames: readonly string[]): void {
    this.client.send(frames.join(''));
  }

  drop(): void {
    this.client.drop();
  }

  /** Resolves with `probe()` once it is not undefined; fails after DEADLINE_MS naming `what`. */
  until<T>(what: string, probe: () => T | undefined, deadlineMs = DEADLINE_MS): Promise<T> {
    const last = (): string => this.frames.slice(-3).map(describeFrame).join(' | ');
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = probe();
        if (value === undefined) return false;
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== listener);
        reject(new Error(`no ${what} within ${deadlineMs} ms (last frames: ${last()})`));
      }, deadlineMs);
      const listener = (): void => {
        const done = check();
        if (!done && !this.closed) return;
        this.waiters = this.waiters.filter((waiter) => waiter !== listener);
        if (done) return;
        clearTimeout(timer);
        reject(new Error(`no ${what}: the connection closed (last frames: ${last()})`));
      };
      this.waiters.push(listener);
      listener();
    });
  }

  /** MESSAGE frames of subscription `id`, in arrival order. */
  messages(id: string): StompFrame[] {
    return this.frames.filter((frame) => frame.command === 'MESSAGE' && header(frame, 'subscription') === id);
  }

  /** Waits until subscription `id` has `count` MESSAGEs (gap MESSAGEs included); resolves with them. */
  awaitMessages(id: string, count: number): Promise<StompFrame[]> {
    return this.until(`${count} MESSAGEs on subscription ${id}`, () => {
      const got = this.messages(id);
      return got.length >= count ? got : undefined;
    });
  }

  /** Waits for the RECEIPT with this id; resolves with its index in `frames`. */
  awaitReceipt(id: string): Promise<number> {
    return this.until(`RECEIPT ${id}`, () => {
      const index = this.frames.findIndex((f) => f.command === 'RECEIPT' && header(f, 'receipt-id') === id);
      return index < 0 ? undefined : index;
    });
  }

  /** Waits for an ERROR frame. */
  awaitError(): Promise<StompFrame> {
    return this.until('ERROR', () => this.frames.find((frame) => frame.command === 'ERROR'));
  }

  /** SUBSCRIBE with a receipt; resolves once the RECEIPT is in (so replayed frames before it are in too). */
  async subscribe(id: string, destination: string, headers: Record<string, string> = {}): Promise<void> {
    this.send('SUBSCRIBE', { id, destination, receipt: `sub-${id}`, ...headers });
    await this.awaitReceipt(`sub-${id}`);
  }

  /** SENDs with a receipt on the last one, in one write; resolves once the broker has them all. */
  async publish(destination: string, bodies: readonly string[], headers: Record<string, string> = {}) {
    const receipt = `pub-${Math.random().toString(36).slice(2)}`;
    this.sendMany(
      bodies.map((body, i) =>
        wire('SEND', { destination, ...headers, ...(i === bodies.length - 1 ? { receipt } : {}) }, body),
      ),
    );
    await this.awaitReceipt(receipt);
  }

  private async pump(): Promise<void> {
    for (;;) {
      const item = await this.client.next(60_000);
      if (item === undefined) continue;
      if (item === CLOSED) this.closed = true;
      else this.frames.push(item);
      for (const waiter of [...this.waiters]) waiter();
      if (item === CLOSED) return;
    }
  }
}

/** `x-stream-offset` of a MESSAGE as a number (NaN when absent). */
export function offsetOf(frame: StompFrame): number {
  return Number(header(frame, 'x-stream-offset') ?? Number.NaN);
}

/** Every value of header `name` (a forged duplicate would show as a second one). */
export function headerValues(frame: StompFrame, name: string): string[] {
  return frame.headers.filter(([key]) => key === name).map(([, value]) => value);
}

/** `n` consecutive numbers from `from`. */
export function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

export function describeFrame(frame: StompFrame): string {
  const headers = frame.headers.map(([name, value]) => `${name}:${value}`).join(',');
  return `${frame.command}[${headers}]${frame.body.slice(0, 60)}`;
}
