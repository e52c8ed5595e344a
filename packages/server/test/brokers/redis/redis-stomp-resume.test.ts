import { useRedisServer } from '@sockwire/test-support/redis-hooks';
import { waitFor } from '@sockwire/test-support/wait';
import type { IFrame, IMessage } from '@stomp/stompjs';
import { describe, expect, it } from 'vitest';

import type { ChatClient } from './support/stomp-nodes.js';
import { useTwoStompNodes } from './support/two-nodes.js';

/*
 * Stream positions end to end on the Redis broker: two Sockwire nodes (createStompBroker({ broker: redis }),
 * SockJS, HTTP) sharing one Redis, @stomp/stompjs clients on different nodes and transports. The MESSAGE
 * headers carry offsets and epochs assigned in Redis, a SUBSCRIBE on either node resumes, and its RECEIPT says
 * where live delivery started.
 */

const server = useRedisServer();
const nodes = useTwoStompNodes(server);
const join = nodes.join;

let receipts = 0;
/** SUBSCRIBE with a receipt; resolves with the RECEIPT's headers and the subscription's messages so far. */
async function subscribe(client: ChatClient, destination: string, headers: Record<string, string> = {}) {
  const id = `resume-${++receipts}`;
  const messages: IMessage[] = [];
  const receipt = new Promise<IFrame>((resolve) => client.client.watchForReceipt(id, resolve));
  client.client.subscribe(destination, (message) => messages.push(message), { ...headers, receipt: id });
  const frame = await receipt;
  return {
    receipt: frame.headers,
    messages,
    waitFor: (count: number) =>
      waitFor(() => messages.length >= count, `${count} messages on ${destination}`, 10_000),
  };
}

const offsets = (messages: IMessage[]) => messages.map((m) => m.headers['x-stream-offset']);

describe('STOMP stream resume on two nodes sharing Redis', () => {
  it('MESSAGEs carry offsets and epochs; a SUBSCRIBE on another node resumes; its RECEIPT says where live starts', async () => {
    const publisher = await join(nodes.a, 'raw-websocket', 'pub');
    const watcher = await join(nodes.b, 'xhr-streaming', 'watch');
    const watching = await subscribe(watcher, '/topic/feed');
    // Nothing published yet: live starts at 0, in the epoch the SUBSCRIBE created, which the messages then carry.
    expect(watching.receipt['x-stream-offset']).toBe('0');
    const epoch = watching.receipt['x-stream-epoch'];
    expect(epoch).toMatch(/^\S+$/);
    for (let i = 0; i < 4; i++) publisher.publish('/topic/feed', `m${i}`);
    await publisher.send('/topic/feed', 'm4');
    await watching.waitFor(5);
    expect(offsets(watching.messages)).toEqual(['0', '1', '2', '3', '4']);
    expect(watching.messages.every((m) => m.headers['x-stream-epoch'] === epoch)).toBe(true);

    // Back on the publisher's node, from offset 2 of that epoch.
    const late = await join(nodes.a, 'websocket', 'late');
    const resumed = await subscribe(late, '/topic/feed', {
      'x-stream-offset': 'offset=2',
      'x-stream-epoch': epoch ?? '',
    });
    expect([resumed.receipt['x-stream-offset'], resumed.receipt['x-stream-epoch']]).toEqual(['5', epoch]);
    await resumed.waitFor(3);
    await publisher.send('/topic/feed', 'live');
    await resumed.waitFor(4);
    expect(resumed.messages.map((m) => [m.headers['x-stream-offset'], m.body])).toEqual([
      ['2', 'm2'],
      ['3', 'm3'],
      ['4', 'm4'],
      ['5', 'live'],
    ]);

    // An offset of another epoch: the gap MESSAGE first, then everything retained.
    const stale = await subscribe(late, '/topic/feed', {
      'x-stream-offset': 'offset=1',
      'x-stream-epoch': 'gone',
    });
    await stale.waitFor(7);
    const [gap, ...rest] = stale.messages;
    expect(gap?.headers).toMatchObject({
      'x-stream-gap': 'epoch',
      'x-stream-gap-requested': '1',
      'x-stream-gap-resumed-at': '0',
      'x-stream-epoch': epoch,
    });
    expect(gap?.body).toBe('');
    expect(offsets(rest)).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it("a user resumes their own destination's history on any node; a queue answers with a no-history gap", async () => {
    const bob = await join(nodes.a, 'xhr-polling', 'bob');
    for (let i = 0; i < 2; i++) bob.publish('/user/alice/queue/inbox', `note${i}`);
    await bob.send('/user/alice/queue/inbox', 'note2');
    const alice = await join(nodes.b, 'eventsource', 'alice');
    const inbox = await subscribe(alice, '/user/queue/inbox', { 'x-stream-offset': 'first' });
    await inbox.waitFor(3);
    expect(inbox.messages.map((m) => [m.headers['x-stream-offset'], m.body])).toEqual([
      ['0', 'note0'],
      ['1', 'note1'],
      ['2', 'note2'],
    ]);
    expect(inbox.receipt['x-stream-offset']).toBe('3');
    // Bob's own inbox is another destination, with nothing in it.
    const bobs = await subscribe(bob, '/user/queue/inbox', { 'x-stream-offset': 'first' });
    expect(bobs.receipt['x-stream-offset']).toBe('0');

    const jobs = await subscribe(alice, '/queue/jobs', { 'x-stream-offset': 'offset=3' });
    await jobs.waitFor(1);
    expect(jobs.messages[0]?.headers).toMatchObject({
      'x-stream-gap': 'no-history',
      'x-stream-gap-requested': '3',
    });
    expect(jobs.receipt['x-stream-offset']).toBeUndefined();
    expect(bobs.messages).toEqual([]);
  });
});
