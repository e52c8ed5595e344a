import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, receipt, settle, type TestClient } from './support/clients.js';
import { type RelayNode, startRelayNode } from './support/node.js';
import { deleteQueues, RUN, requireRabbitMq } from './support/rabbitmq.js';

/** Ack modes, NACK, prefetch, receipts and transactions through the relay, on RabbitMQ's queues. */
let node: RelayNode;
const clients: TestClient[] = [];
const queues: string[] = [];

async function client(login: string): Promise<TestClient> {
  const connected = await connectClient(node, login);
  clients.push(connected);
  return connected;
}

function queue(name: string): string {
  queues.push(`${RUN}-${name}`);
  return `/queue/${RUN}-${name}`;
}

beforeAll(async () => {
  await requireRabbitMq();
  node = await startRelayNode();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await node?.close();
  await deleteQueues(queues);
}, 60_000);

describe('STOMP relay to RabbitMQ: acknowledgements', () => {
  it('client-individual: NACK redelivers (redelivered:true), ACK settles', async () => {
    const destination = queue('individual');
    const worker = await client('worker');
    const inbox = await worker.inbox(destination, { ack: 'client-individual' });
    await worker.publish(destination, 'job');
    const [first] = await inbox.atLeast(1);
    expect(first?.headers.redelivered).toBeUndefined();
    expect(first?.headers.ack).toMatch(/^\d+$/);
    first?.nack();
    const [, again] = await inbox.atLeast(2);
    expect([again?.body, again?.headers.redelivered]).toEqual(['job', 'true']);
    again?.ack();
    await settle();
    expect(inbox.messages).toHaveLength(2);
  });

  it('client: one ACK settles every earlier message of the subscription', async () => {
    const destination = queue('cumulative');
    const first = await client('first');
    const inbox = await first.inbox(destination, { ack: 'client' });
    for (const body of ['a', 'b', 'c']) await first.publish(destination, body);
    const got = await inbox.atLeast(3);
    got[2]?.ack();
    await first.stop();
    // Nothing unacknowledged is left to come back to the next consumer.
    const second = await client('second');
    const after = await second.inbox(destination);
    await second.publish(destination, 'd');
    await settle();
    expect(after.bodies).toEqual(['d']);
  });

  it('unacknowledged messages go back to the queue when their consumer leaves', async () => {
    const destination = queue('abandoned');
    const leaver = await client('leaver');
    const inbox = await leaver.inbox(destination, { ack: 'client-individual' });
    await leaver.publish(destination, 'unfinished');
    await inbox.atLeast(1);
    await leaver.stop();
    const heir = await client('heir');
    const [got] = await (await heir.inbox(destination, { ack: 'client-individual' })).atLeast(1);
    expect([got?.body, got?.headers.redelivered]).toEqual(['unfinished', 'true']);
    got?.ack();
  });

  it('prefetch-count caps unacknowledged messages per consumer', async () => {
    const destination = queue('prefetch');
    const worker = await client('worker');
    const inbox = await worker.inbox(destination, { ack: 'client-individual', 'prefetch-count': '1' });
    for (const body of ['1', '2', '3']) await worker.publish(destination, body);
    await inbox.atLeast(1);
    await settle();
    expect(inbox.bodies).toEqual(['1']);
    inbox.messages[0]?.ack();
    await inbox.atLeast(2);
    inbox.messages[1]?.ack();
    expect((await inbox.atLeast(3)).map((m) => m.body)).toEqual(['1', '2', '3']);
    inbox.messages[2]?.ack();
  });
});

describe('STOMP relay to RabbitMQ: receipts and transactions', () => {
  it('an UNSUBSCRIBE receipt means no more messages for that subscription', async () => {
    const destination = `/topic/${RUN}.unsubscribed`;
    const listener = await client('listener');
    const messages: string[] = [];
    const subscribed = receipt(listener.client, 'sub-u');
    const subscription = listener.client.subscribe(destination, (m) => messages.push(m.body), {
      receipt: 'sub-u',
    });
    await subscribed;
    await listener.publish(destination, 'before');
    const unsubscribed = receipt(listener.client, 'unsub-u');
    subscription.unsubscribe({ receipt: 'unsub-u' });
    await unsubscribed;
    await listener.publish(destination, 'after');
    await settle();
    expect(messages).toEqual(['before']);
  });

  it('SENDs in a transaction go out at COMMIT, and not at all after ABORT', async () => {
    const destination = `/topic/${RUN}.tx`;
    const sender = await client('sender');
    const inbox = await sender.inbox(destination);
    const aborted = sender.client.begin();
    sender.client.publish({ destination, body: 'never', headers: { transaction: aborted.id } });
    aborted.abort();
    const tx = sender.client.begin();
    sender.client.publish({ destination, body: 'one', headers: { transaction: tx.id } });
    sender.client.publish({ destination, body: 'two', headers: { transaction: tx.id } });
    await settle(200);
    expect(inbox.bodies).toEqual([]);
    tx.commit();
    // stompjs's commit() takes no receipt; a later SEND's RECEIPT says the COMMIT was processed before it.
    await sender.publish(destination, 'three');
    expect((await inbox.atLeast(3)).map((m) => m.body)).toEqual(['one', 'two', 'three']);
  });

  it('an ACK inside a transaction takes effect at COMMIT', async () => {
    const destination = queue('tx-ack');
    const worker = await client('worker');
    const inbox = await worker.inbox(destination, { ack: 'client-individual' });
    await worker.publish(destination, 'job');
    const [job] = await inbox.atLeast(1);
    const tx = worker.client.begin();
    job?.ack({ transaction: tx.id });
    tx.commit();
    await worker.stop();
    const next = await client('next');
    const after = await next.inbox(destination);
    await next.publish(destination, 'fresh');
    await settle();
    expect(after.bodies).toEqual(['fresh']);
  });
});
