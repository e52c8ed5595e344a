import { StompRejection } from '@sockwire/server';
import { ActivationState, type IFrame } from '@stomp/stompjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SockwireStompClient } from '../src/stomp.js';
import { ConnectCounter, StompClients } from './support/stomp-clients.js';
import { StompTestServer } from './support/stomp-server.js';

/*
 * SockwireStompClient wraps a stompjs Client (stomp-facade.ts) and reconnects by itself (stomp-reconnects.ts).
 * These tests hold it to what an application of a stompjs Client sees: settings and callbacks set on the client
 * reach the connection, its callbacks run after the client's own work, and its view of the activation state
 * does not show the deactivate-activate round trip of each reconnect.
 */

let server: StompTestServer | null = null;
const clients = new StompClients();

afterEach(async () => {
  await clients.deactivateAll();
  await server?.stop();
  server = null;
});

describe('SockwireStompClient, a wrapped stompjs Client', () => {
  it('shows the application ACTIVE once across reconnects, then DEACTIVATING and INACTIVE', async () => {
    server = await new StompTestServer().start();
    const states: ActivationState[] = [];
    const client = clients.make(server.url, 'websocket', {
      onChangeState: (state) => states.push(state),
    });
    const connects = new ConnectCounter(client);
    client.activate();
    await connects.reached(1);
    server.cut();
    await connects.lost();
    expect(client.active).toBe(true);
    await connects.reached(2);
    server.cut();
    await connects.reached(3);
    expect(states).toEqual([ActivationState.ACTIVE]);
    await client.deactivate();
    expect(states).toEqual([ActivationState.ACTIVE, ActivationState.DEACTIVATING, ActivationState.INACTIVE]);
    expect(client.active).toBe(false);
  });

  it('passes settings set on the client, and those set by beforeConnect on the client it is given, to each CONNECT', async () => {
    let accepted = 'first';
    server = await new StompTestServer({
      authenticate: (headers) => {
        const header = (name: string) => headers.find(([key]) => key === name)?.[1];
        if (header('login') !== 'ana' || header('passcode') !== accepted) {
          throw new StompRejection('unknown login or wrong passcode');
        }
        return { name: 'ana' };
      },
    }).start();
    const client = clients.make(server.url, 'websocket');
    const given: SockwireStompClient[] = [];
    let passcode = 'first';
    client.connectHeaders = { login: 'ana', passcode: 'wrong' };
    client.beforeConnect = (self) => {
      given.push(self);
      self.connectHeaders = { ...self.connectHeaders, passcode };
    };
    const connects = new ConnectCounter(client);
    client.activate();
    await connects.reached(1);
    expect(client.connectHeaders).toEqual({ login: 'ana', passcode: 'first' });

    // The server now wants another passcode: the next CONNECT carries what beforeConnect sets then.
    accepted = 'second';
    passcode = 'second';
    server.cut();
    await connects.reached(2);
    expect(given).toHaveLength(2);
    for (const self of given) expect(self).toBe(client);
    expect(client.failure).toBeUndefined();
  });

  it("hands stompjs's own settings and callbacks set on the client to stompjs (debug, onDisconnect)", async () => {
    server = await new StompTestServer().start();
    const client = clients.make(server.url, 'websocket');
    const lines: string[] = [];
    client.debug = (line) => lines.push(line);
    const disconnects: IFrame[] = [];
    client.onDisconnect = (frame) => disconnects.push(frame);
    const connects = new ConnectCounter(client);
    client.activate();
    await connects.reached(1);
    // Lines only stompjs writes: its own debug goes where the client's was set.
    expect(lines).toContain('Opening Web Socket...');
    await client.deactivate();
    expect(disconnects.map((frame) => frame.command)).toEqual(['RECEIPT']);
  });

  it("runs the application's onConnect after its subscriptions are restored, and onStompError after its own", async () => {
    server = await new StompTestServer().start();
    const client = clients.make(server.url, 'websocket');
    const received: string[] = [];
    client.subscribe('/topic/order', (message) => received.push(message.body));
    const errors: IFrame[] = [];
    client.onStompError = (frame) => errors.push(frame);
    const connected = new Promise<void>((resolve) => {
      client.onConnect = () => {
        // The SUBSCRIBE went out before this callback: a message published now reaches the subscription.
        client.publish({ destination: '/topic/order', body: 'from onConnect' });
        resolve();
      };
    });
    client.activate();
    await connected;
    await expect.poll(() => received).toEqual(['from onConnect']);

    // A refused confirmed send: the client rejects the send (its own work), then the application sees the ERROR.
    const refused = client.send('/app/nowhere', 'x');
    await expect(refused).rejects.toThrow(/No handler/);
    await expect.poll(() => errors.map((frame) => frame.headers.message)).toEqual(['No handler']);
  });
});
