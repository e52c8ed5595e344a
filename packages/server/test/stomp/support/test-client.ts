import { ManualClock } from '@sockwire/test-support/manual-clock';
import type { TransportName } from '../../../src/connection.js';
import {
  createStompBroker,
  type StompBroker,
  type StompBrokerOptions,
  type StompFrame,
  StompParser,
  type StompVersion,
} from '../../../src/stomp/index.js';
import { FakeConnection } from './fake-connection.js';

/** A frame as wire text, LF endings, NUL terminated. */
export function wire(command: string, headers: Readonly<Record<string, string>> = {}, body = ''): string {
  let text = `${command}\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}:${value}\n`;
  return `${text}\n${body}\0`;
}

export function header(frame: StompFrame | undefined, name: string): string | undefined {
  return frame?.headers.find(([key]) => key === name)?.[1];
}

/** A synchronous raw client on a fake connection, for unit tests that look at every frame. */
export class TestClient {
  readonly connection: FakeConnection;
  private received: StompFrame[] = [];
  heartbeats = 0;
  private readonly parser = new StompParser({
    onFrame: (frame) => {
      if (frame.command === 'CONNECTED')
        this.parser.setVersion((header(frame, 'version') ?? '1.0') as StompVersion);
      this.received.push(frame);
    },
    onHeartbeat: () => {
      this.heartbeats++;
    },
  });

  constructor(
    broker: StompBroker,
    options: { transport?: TransportName | 'tcp'; subprotocol?: string } = {},
  ) {
    this.connection = new FakeConnection(options);
    this.connection.onWrite = (text) => this.parser.push(text);
    broker.handleConnection(this.connection);
  }

  send(command: string, headers: Readonly<Record<string, string>> = {}, body = ''): void {
    this.connection.receive(wire(command, headers, body));
  }

  raw(text: string): void {
    this.connection.receive(text);
  }

  connect(headers: Readonly<Record<string, string>> = {}): StompFrame | undefined {
    this.send('CONNECT', { 'accept-version': '1.2', host: '/', ...headers });
    return this.take()[0];
  }

  /** Frames received since the last call. */
  take(): StompFrame[] {
    const frames = this.received;
    this.received = [];
    return frames;
  }

  get closed(): boolean {
    return this.connection.isClosed;
  }
}

/** A broker on a manual clock. */
export function setup(options: StompBrokerOptions = {}) {
  const clock = new ManualClock();
  const broker = createStompBroker({ clock, ...options });
  const client = (
    connectHeaders?: Record<string, string>,
    transport?: { transport?: TransportName | 'tcp'; subprotocol?: string },
  ) => {
    const c = new TestClient(broker, transport);
    if (connectHeaders !== undefined) c.connect(connectHeaders);
    return c;
  };
  return { clock, broker, client };
}

/** Let promises from async hooks settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
