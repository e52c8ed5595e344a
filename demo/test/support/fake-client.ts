import { EventEmitter } from 'node:events';
import type { StompBroker, StompConnection, StompFrame } from '@sockwire/server';
import { StompParser } from '@sockwire/server';

let lastId = 0;

/** An in-memory connection: what the broker writes is parsed into frames; `close()` closes at once. */
class FakeConnection extends EventEmitter implements StompConnection {
  readonly id = `test-${++lastId}`;
  readonly transport = 'websocket' as const;
  readonly subprotocol = 'v12.stomp';
  readonly remoteAddress = '127.0.0.1';
  readonly headers = {};
  readonly bufferedAmount = 0;
  closed: { code: number; reason: string } | undefined;
  onWrite: (text: string) => void = () => {};

  write(message: string): boolean {
    if (this.closed) return false;
    this.onWrite(message);
    return true;
  }

  close(code = 1000, reason = ''): boolean {
    if (this.closed) return false;
    this.closed = { code, reason };
    this.emit('close', { code, reason, wasClean: true });
    return true;
  }
}

function wire(command: string, headers: Readonly<Record<string, string>>, body = ''): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}:${value}`);
  return `${[command, ...lines].join('\n')}\n\n${body}\0`;
}

/**
 * A raw STOMP client of the chat broker on an in-memory fake connection, for handler tests: send frames, read
 * what came back. Tests that use it say "(fake connection)" in their names.
 */
export class FakeClient {
  readonly connection = new FakeConnection();
  private frames: StompFrame[] = [];
  private nextId = 0;

  constructor(broker: StompBroker) {
    const parser = new StompParser({ onFrame: (frame) => this.frames.push(frame) });
    this.connection.onWrite = (text) => parser.push(text);
    broker.handleConnection(this.connection);
  }

  send(command: string, headers: Readonly<Record<string, string>> = {}, body = ''): void {
    this.connection.emit('data', wire(command, headers, body));
  }

  connect(login: string, passcode = `key-of-${login}`): StompFrame | undefined {
    this.send('CONNECT', { 'accept-version': '1.2', host: 'chat', login, passcode });
    return this.take()[0];
  }

  subscribe(destination: string): string {
    const id = `sub-${++this.nextId}`;
    this.send('SUBSCRIBE', { id, destination });
    return id;
  }

  sendJson(destination: string, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
    this.send('SEND', { destination, 'content-type': 'application/json', ...headers }, JSON.stringify(value));
  }

  /** Frames received since the last call. */
  take(): StompFrame[] {
    const frames = this.frames;
    this.frames = [];
    return frames;
  }

  /** Bodies of the MESSAGE frames received on `destination` since the last take(), parsed. */
  messages<T>(destination: string): T[] {
    return this.take()
      .filter((frame) => frame.command === 'MESSAGE' && header(frame, 'destination') === destination)
      .map((frame) => JSON.parse(frame.body) as T);
  }

  drop(): void {
    this.connection.close(1006, 'lost');
  }
}

export function header(frame: StompFrame | undefined, name: string): string | undefined {
  return frame?.headers.find(([key]) => key === name)?.[1];
}
