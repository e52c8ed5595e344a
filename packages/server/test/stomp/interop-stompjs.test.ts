import { createServer as createHttpServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@sockwire/test-support/wait';
import { Client, type IFrame, type IMessage, type IStompSocket } from '@stomp/stompjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type SockwireServer } from '../../src/index.js';
import { chooseStompSubprotocol, createStompBroker, type StompPrincipal } from '../../src/stomp/index.js';

/** sockjs-client runs in Node too: stompjs over each SockJS transport, as a browser would use it. */
const require = createRequire(import.meta.url);
type SockJSConstructor = new (url: string, reserved: null, options: { transports: string[] }) => IStompSocket;
const SockJS = require('sockjs-client') as SockJSConstructor;

const broker = createStompBroker({
  heartbeat: { outgoing: 200, incoming: 200 },
  authenticate: (headers) => {
    const login = headers.find(([name]) => name === 'login')?.[1];
    return login === undefined ? undefined : ({ name: login } satisfies StompPrincipal);
  },
});
broker.onMessage('/rooms/{room}/send', (ctx) => ({
  room: ctx.params.room,
  from: ctx.session.principal?.name,
  text: ctx.body,
}));
broker.onSubscribe('/rooms/{room}/history', (ctx) => [`first message in ${ctx.params.room}`]);
broker.onMessage('/whisper', (ctx) => `only for you: ${ctx.body}`, { sendToUser: '/queue/whispers' });

let sockjs: SockwireServer;
let http: Server;
let base = '';
beforeAll(async () => {
  sockjs = createServer({
    prefix: '/stomp',
    webSocketProtocols: (offered) => chooseStompSubprotocol(offered),
  });
  sockjs.on('connection', (connection) => broker.handleConnection(connection));
  http = createHttpServer();
  sockjs.installHandlers(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `127.0.0.1:${(http.address() as AddressInfo).port}/stomp`;
});
afterAll(async () => {
  await broker.close();
  sockjs.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

const rawWebSocket = () =>
  new WebSocket(`ws://${base}/websocket`, ['v12.stomp', 'v11.stomp', 'v10.stomp']) as unknown as IStompSocket;

/** A connected stompjs client with a queue of received messages per subscription. */
async function connect(
  factory: () => IStompSocket,
  extra: Partial<ConstructorParameters<typeof Client>[0]> = {},
) {
  const client = new Client({
    webSocketFactory: factory,
    reconnectDelay: 0,
    connectHeaders: { login: 'alice', passcode: 'x' },
    ...extra,
  });
  const connected = new Promise<IFrame>((resolve, reject) => {
    client.onConnect = resolve;
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.onWebSocketClose = (event: { code: number }) => reject(new Error(`closed ${event.code}`));
  });
  client.activate();
  const frame = await connected;
  return { client, frame };
}

function inbox() {
  const messages: IMessage[] = [];
  const waiters: Array<(message: IMessage) => void> = [];
  return {
    push: (message: IMessage) => {
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else messages.push(message);
    },
    next: () =>
      new Promise<IMessage>((resolve, reject) => {
        const message = messages.shift();
        if (message) return resolve(message);
        const timer = setTimeout(() => reject(new Error('no message within 3 s')), 3000);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      }),
  };
}

function receipt(client: Client, id: string): Promise<void> {
  return new Promise((resolve) => client.watchForReceipt(id, () => resolve()));
}

describe('interop: @stomp/stompjs over the raw WebSocket (ws)', () => {
  it('negotiates 1.2 with heart-beats, publishes and receives with escaped headers', async () => {
    const { client, frame } = await connect(rawWebSocket);
    expect([frame.headers.version, frame.headers['user-name'], frame.headers['heart-beat']]).toEqual([
      '1.2',
      'alice',
      '200,200',
    ]);
    const got = inbox();
    const subscribed = receipt(client, 'sub-1');
    client.subscribe('/topic/stompjs', got.push, { receipt: 'sub-1' });
    await subscribed;
    client.publish({ destination: '/topic/stompjs', body: 'héllo 😀', headers: { 'x-tricky': 'a:b\nc\\d' } });
    const message = await got.next();
    expect([message.body, message.headers['x-tricky'], message.headers.destination]).toEqual([
      'héllo 😀',
      'a:b\nc\\d',
      '/topic/stompjs',
    ]);
    await client.deactivate();
  });

  it('client-individual ack, nack redelivery and transactions', async () => {
    const { client } = await connect(rawWebSocket);
    const got = inbox();
    client.subscribe('/queue/stompjs-acks', got.push, { ack: 'client-individual' });
    client.publish({ destination: '/queue/stompjs-acks', body: 'm1' });
    const first = await got.next();
    first.nack();
    const again = await got.next();
    expect([again.body, again.headers.redelivered]).toEqual(['m1', 'true']);
    const tx = client.begin();
    again.ack({ transaction: tx.id });
    client.publish({ destination: '/queue/stompjs-acks', body: 'in-tx', headers: { transaction: tx.id } });
    tx.commit();
    const third = await got.next();
    expect(third.body).toBe('in-tx');
    third.ack();
    await client.deactivate();
  });

  it('splitLargeFrames: a 60 KB frame sent in 1 KB WebSocket messages is reassembled', async () => {
    const { client } = await connect(rawWebSocket, { splitLargeFrames: true, maxWebSocketChunkSize: 1024 });
    const got = inbox();
    client.subscribe('/topic/big', got.push);
    const body = 'é'.repeat(30_000);
    client.publish({ destination: '/topic/big', body });
    expect((await got.next()).body).toBe(body);
    await client.deactivate();
  });

  it('heart-beats keep an idle connection open in both directions', async () => {
    let beats = 0;
    let closed = false;
    const { client } = await connect(rawWebSocket, {
      heartbeatIncoming: 200,
      heartbeatOutgoing: 200,
      onHeartbeatReceived: () => {
        beats++;
      },
    });
    client.onWebSocketClose = () => {
      closed = true;
    };
    // Eight beats from the server span several 200 ms intervals each way: had either side stopped beating,
    // the other would have dropped the connection and the beats would stop before that.
    await waitFor(
      () => beats >= 8 || closed,
      () => `8 heart-beats from the server (got ${beats})`,
    );
    expect(closed).toBe(false);
    expect(client.connected).toBe(true);
    expect(beats).toBeGreaterThanOrEqual(8);
    await client.deactivate();
  });

  it('application destinations: @MessageMapping, @SubscribeMapping and @SendToUser equivalents', async () => {
    const { client } = await connect(rawWebSocket);
    const room = inbox();
    const history = inbox();
    const whispers = inbox();
    client.subscribe('/topic/rooms/7/send', room.push);
    client.subscribe('/app/rooms/7/history', history.push);
    client.subscribe('/user/queue/whispers', whispers.push);
    expect(JSON.parse((await history.next()).body)).toEqual(['first message in 7']);
    client.publish({ destination: '/app/rooms/7/send', body: 'hi all' });
    expect(JSON.parse((await room.next()).body)).toEqual({ room: '7', from: 'alice', text: 'hi all' });
    client.publish({ destination: '/app/whisper', body: 'psst' });
    const whisper = await whispers.next();
    expect([whisper.body, whisper.headers.destination]).toEqual([
      'only for you: psst',
      '/user/queue/whispers',
    ]);
    await client.deactivate();
  });

  it('an ERROR reaches onStompError and the socket closes', async () => {
    const { client } = await connect(rawWebSocket);
    const error = new Promise<IFrame>((resolve) => {
      client.onStompError = resolve;
    });
    const closed = new Promise<void>((resolve) => {
      client.onWebSocketClose = () => resolve();
    });
    client.publish({ destination: '/nowhere/x', body: 'x' });
    expect((await error).headers.message).toBe('Unknown destination');
    await closed;
    await client.deactivate();
  });
});

describe.each(['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'])(
  'interop: @stomp/stompjs over sockjs-client %s',
  (transport) => {
    it('connects, subscribes with a receipt, and exchanges messages both ways', async () => {
      const { client, frame } = await connect(
        () => new SockJS(`http://${base}`, null, { transports: [transport] }),
      );
      expect(frame.headers.version).toBe('1.2');
      const got = inbox();
      const subscribed = receipt(client, `sub-${transport}`);
      client.subscribe(`/topic/sockjs-${transport}`, got.push, { receipt: `sub-${transport}` });
      await subscribed;
      for (const body of ['one', 'twö', '{"json":true}'])
        client.publish({ destination: `/topic/sockjs-${transport}`, body });
      expect([(await got.next()).body, (await got.next()).body, (await got.next()).body]).toEqual([
        'one',
        'twö',
        '{"json":true}',
      ]);
      await client.deactivate();
    });
  },
);
