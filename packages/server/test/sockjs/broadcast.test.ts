import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Connection } from '../../src/index.js';
import { pending, sessionUrl, startServer, stream, type TestServer, until } from './helpers.js';

/*
 * A broadcast shares work between sessions: a message is quoted once, sessions flushing the same messages
 * share one frame string, and a frame sent again is encoded once and the bytes written to every socket and
 * response. These tests check that sharing never mixes sessions up or garbles bytes: every transport gets
 * exactly its own framing of the right messages, with multi-byte characters and escapes intact.
 */

let server: TestServer;
const connections: Connection[] = [];
beforeAll(async () => {
  server = await startServer({ fan: { onConnection: 'echo', responseLimit: 1 << 20 } });
  server.services.fan?.on('connection', (connection) => {
    connections.push(connection);
    connection.on('close', () => connections.splice(connections.indexOf(connection), 1));
  });
});
afterAll(() => server.close());

const UNICODE = 'héllo ☃ 𝄞 \u2028 "quoted" \\ end';
/** How the server quotes it: JSON, plus \u2028 escaped as the protocol requires. */
const QUOTED = JSON.stringify(UNICODE).replace('\u2028', '\\u2028');

async function webSocketSession() {
  const url = `${sessionUrl(server.base, 'fan').replace('http', 'ws')}/websocket`;
  const socket = new WebSocket(url);
  const frames: string[] = [];
  socket.on('message', (data) => frames.push(data.toString()));
  await once(socket, 'open');
  await until(() => frames.length === 1);
  return { frames, close: () => socket.close() };
}

describe('broadcast to sessions on every transport', () => {
  it('each session gets its own framing of the same messages, bytes intact', async () => {
    const ws1 = await webSocketSession();
    const ws2 = await webSocketSession();
    const xhrUrl = sessionUrl(server.base, 'fan');
    const xhr = await stream('POST', `${xhrUrl}/xhr_streaming`);
    await xhr.read(); // prelude
    expect(await xhr.read()).toBe('o\n');
    const esUrl = sessionUrl(server.base, 'fan');
    const es = await stream('GET', `${esUrl}/eventsource`);
    await es.read(); // prelude
    expect(await es.read()).toBe('data: o\r\n\r\n');
    const pollUrls = [sessionUrl(server.base, 'fan'), sessionUrl(server.base, 'fan')];
    for (const url of pollUrls) expect((await pending('POST', `${url}/xhr`).done).body).toBe('o\n');
    await until(() => connections.length === 6);
    const polls = pollUrls.map((url) => pending('POST', `${url}/xhr`));
    await until(() => server.services.fan?.stats().connections['xhr-polling'] === 2);

    // Twice the same two messages in one tick, then a different one: shared frames, then a new frame.
    for (const connection of connections) {
      connection.write(UNICODE);
      connection.write('second');
    }
    const shared = `a[${QUOTED},"second"]`;
    for (const poll of polls) {
      const answer = await poll.done;
      expect(answer.body).toBe(`${shared}\n`);
      // A poll's head goes out with its frame: a Content-Length, not chunked.
      expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(`${shared}\n`)));
      expect(answer.headers['transfer-encoding']).toBeUndefined();
    }
    expect(await xhr.read()).toBe(`${shared}\n`);
    expect(await es.read()).toBe(`data: ${shared}\r\n\r\n`);
    await until(() => ws1.frames.length === 2 && ws2.frames.length === 2);
    expect(ws1.frames[1]).toBe(shared);
    expect(ws2.frames[1]).toBe(shared);

    // Then one message each, different per session: no session gets another's frame.
    connections.forEach((connection, i) => {
      connection.write(`only for ${i}`);
    });
    const own = (frame: string | undefined) => JSON.parse((frame ?? '').slice(1))[0] as string;
    await until(() => ws1.frames.length === 3 && ws2.frames.length === 3);
    const received = [
      own(ws1.frames[2]),
      own(ws2.frames[2]),
      own((await xhr.read())?.trim()),
      own((await es.read())?.slice('data: '.length).trim()),
    ];
    for (const url of pollUrls) received.push(own((await pending('POST', `${url}/xhr`).done).body.trim()));
    expect(received.sort()).toEqual(connections.map((_, i) => `only for ${i}`).sort());

    ws1.close();
    ws2.close();
    xhr.abort();
    es.abort();
  });
});
